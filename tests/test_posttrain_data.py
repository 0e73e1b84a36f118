"""Post-training records per docs/method.md §6."""

import random

import pytest

from adamllm.data.posttrain_data import RECIPES, dataset_info, format_record, synthetic_turns

ITEM = {"id": 7, "image": "imgs/x.jpg", "instruction": "<image>Describe the image.", "caption": "A cell."}


def item(triplet=None, consistent=False, id=7):
    return {**ITEM, "id": id, "triplet": triplet, "consistent": consistent}


def test_informative_with_conclusion_in_last_sentence_is_used_alone():
    t = {"Q": "Q?", "precise_A": "B", "informative_A": "It is round. The answer is B"}
    _, response = synthetic_turns(t, random.Random(0))
    assert response.endswith("It is round. The answer is B") and "B\n" not in response


def test_conclusion_only_in_earlier_sentence_does_not_count():
    t = {"Q": "Q?", "precise_A": "B", "informative_A": "So it is round. It is blue"}
    _, response = synthetic_turns(t, random.Random(0))
    assert response.index("It is blue") < response.rindex("B")  # chain of thought, then the answer


def test_precise_with_indicator_is_appended_to_informative():
    t = {"Q": "Q?", "precise_A": "The result is 4", "informative_A": "Four cells are seen"}
    _, response = synthetic_turns(t, random.Random(0))
    assert response.endswith("Four cells are seen The result is 4")


def test_otherwise_chain_of_thought_then_precise_answer():
    t = {"Q": "How many?", "precise_A": "4", "informative_A": "Four cells are visible"}
    for seed in range(10):
        instruction, response = synthetic_turns(t, random.Random(seed))
        assert "How many?" in instruction
        assert response.index("Four cells are visible") < response.rindex("4")


def test_record_has_image_on_first_user_turn_only_and_images_key():
    t = {"Q": "How many?", "precise_A": "4", "informative_A": "Four cells"}
    for id in range(20):
        record = format_record(item(t, True, id), RECIPES["single_stage"], 42, True)
        assert record["images"] == ["imgs/x.jpg"]
        roles = [m["role"] for m in record["messages"]]
        assert roles == ["user", "assistant", "user", "assistant"]
        assert record["messages"][0]["content"].startswith("<image>")
        assert sum(m["content"].count("<image>") for m in record["messages"]) == 1


def test_caption_and_task_come_in_both_orders_seeded_per_record():
    t = {"Q": "How many?", "precise_A": "4", "informative_A": "Four cells"}
    firsts = {
        format_record(item(t, True, id), RECIPES["single_stage"], 42, True)["messages"][1]["content"] == "A cell."
        for id in range(30)
    }
    assert firsts == {True, False}
    again = [format_record(item(t, True, id), RECIPES["single_stage"], 42, True) for id in range(30)]
    assert again == [format_record(item(t, True, id), RECIPES["single_stage"], 42, True) for id in range(30)]


def test_rejected_task_keeps_caption_in_both_modes():
    """docs/method.md §6: an image whose triplet was judged No/Open keeps its caption task, whatever the option."""
    t = {"Q": "Q?", "precise_A": "4", "informative_A": "x"}
    caption_task = [
        {"role": "user", "content": "<image>\nDescribe the image."},
        {"role": "assistant", "content": "A cell."},
    ]
    for keep in (True, False):
        assert format_record(item(t, consistent=False), RECIPES["single_stage"], 42, keep)["messages"] == caption_task


def test_image_without_triplet_is_dropped_only_with_the_option_off():
    """docs/method.md §6: the reference formatter drops an image only when no triplet was synthesized for it."""
    assert format_record(item(None), RECIPES["single_stage"], 42, False) is None
    assert len(format_record(item(None), RECIPES["single_stage"], 42, True)["messages"]) == 2
    assert format_record(item(None), RECIPES["caption_only"], 42, False) is not None  # no tasks wanted at all


@pytest.mark.parametrize(
    "instruction,question",
    [
        ("<image>\nDescribe it.", "How many?"),
        ("Describe it.<image>", "<image>\nHow many?"),
        ("<image>x", "a <image> b"),
    ],
)
def test_placeholders_inside_text_are_removed_and_one_leads(instruction, question):
    """docs/method.md §6: the first user turn is '<image>\\n' + instruction; placeholders already inside a caption
    instruction or a synthesized question are removed first, so a record carries exactly one."""
    t = {"Q": question, "precise_A": "4", "informative_A": "Four cells"}
    for id in range(12):
        record = format_record({**item(t, True, id), "instruction": instruction}, RECIPES["single_stage"], 42, True)
        first = record["messages"][0]["content"]
        assert first.startswith("<image>\n") and "<image>" not in first[len("<image>\n") :]
        assert sum(m["content"].count("<image>") for m in record["messages"]) == 1
        at = next(i for i, m in enumerate(record["messages"]) if m["content"] == "A cell.") - 1
        expected = instruction.replace("<image>\n", "").replace("<image>", "")
        assert record["messages"][at]["content"] == ("<image>\n" if at == 0 else "") + expected


def test_caption_text_is_kept_byte_for_byte():
    record = format_record({**item(None), "caption": "  A cell.\n"}, RECIPES["caption_only"], 42, True)
    assert record["messages"][1]["content"] == "  A cell.\n"


@pytest.mark.parametrize("recipe,turns", [("caption_only", 2), ("synthetic_only", 2), ("unfiltered_precise", 4)])
def test_recipes(recipe, turns):
    t = {"Q": "Q?", "precise_A": "4", "informative_A": "x"}
    record = format_record(item(t, consistent=(recipe != "unfiltered_precise")), RECIPES[recipe], 42, True)
    assert len(record["messages"]) == turns
    assert record["messages"][0]["content"].startswith("<image>")


def test_dataset_info_is_llamafactory_sharegpt_with_images():
    info = dataset_info("d", "data.json")
    assert info == {
        "d": {
            "file_name": "data.json",
            "formatting": "sharegpt",
            "columns": {"messages": "messages", "images": "images"},
            "tags": {"role_tag": "role", "content_tag": "content", "user_tag": "user", "assistant_tag": "assistant"},
        }
    }
