import pytest

from adamllm.core.errors import BadInputError
from adamllm.generation.consistency import is_consistent, judge_label, load_template, render_prompt


def test_bundled_template_has_six_examples_and_the_item_last():
    template = load_template()
    assert template.count("## Consistent:") == 7
    assert [line.split(": ")[1] for line in template.splitlines() if line.startswith("## Consistent: ")] == [
        "No",
        "Open",
        "Yes",
        "Yes",
        "No",
        "Open",
    ]
    assert template.endswith("## Consistent:")


def test_render_fills_item_and_keeps_braces_in_answers():
    triplet = {"Q": "What {x}?", "precise_A": "{a}", "informative_A": "it is {a}"}
    prompt = render_prompt(load_template(), triplet)
    assert prompt.endswith(
        "## Question: What {x}?\n## Informative Answer: it is {a}\n## Precise Answer: {a}\n## Consistent:"
    )


def test_template_is_filled_in_one_pass():
    """docs/method.md §5: as str.format would, text inside an inserted question or answer is never a placeholder."""
    triplet = {
        "Q": "Is {precise_answer} the {informative_answer}?",
        "precise_A": "{question}",
        "informative_A": "{precise_answer} and {question}",
    }
    template = "Q={question}|I={informative_answer}|P={precise_answer}"
    assert render_prompt(template, triplet) == template.format(
        question=triplet["Q"], informative_answer=triplet["informative_A"], precise_answer=triplet["precise_A"]
    )


def test_custom_template_must_hold_each_placeholder(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("## Question: {question}\n## Consistent:")
    with pytest.raises(BadInputError, match="t.txt.*informative_answer"):
        load_template(path)


@pytest.mark.parametrize(
    "output,label,keep",
    [
        (" Yes", "yes", True),
        ("yes\n", "yes", True),
        (" No", "no", False),
        ("Open", "open", False),
        (" Yes.", "other", False),
        ("", "other", False),
    ],
)
def test_only_exact_yes_keeps(output, label, keep):
    assert judge_label(output) == label
    assert is_consistent(output) is keep
