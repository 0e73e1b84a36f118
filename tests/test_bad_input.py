"""Bad input stops with a message naming the file and record, or is skipped and counted; outputs stay whole."""

import json
import re
import subprocess
import sys

import pytest

from adamllm.core.errors import BadInputError, RecordPolicy
from adamllm.core.io import atomic_write, iter_jsonl, read_json
from adamllm.data.pairs import load_pairs
from adamllm.data.seed import join_seed


def pair(name, caption="A cell.", content="<image>Describe the image."):
    return {
        "images": [name],
        "messages": [{"role": "user", "content": content}, {"role": "assistant", "content": caption}],
    }


@pytest.fixture
def pairs_dir(tmp_path, make_image):
    for name in ("a.jpg", "b.jpg"):
        make_image(name, folder=tmp_path / "images")
    return tmp_path


def write(path, data):
    path.write_text(json.dumps(data))
    return path


def test_valid_pairs_load(pairs_dir):
    path = write(pairs_dir / "pairs.json", [pair("a.jpg"), pair("b.jpg")])
    pairs, stats = load_pairs(path, pairs_dir / "images", RecordPolicy())
    assert [p["id"] for p in pairs] == [0, 1] and stats.items_out == 2


def test_caption_goes_into_the_synthesis_prompt_byte_for_byte(pairs_dir):
    """docs/method.md §4: the caption is used as the pairs file has it, not stripped."""
    from adamllm.data.synth_format import EOT, USER_HEADER
    from adamllm.generation.synthesis import synthesis_request

    caption = "  A cell,\n\tstained. "
    path = write(pairs_dir / "pairs.json", [pair("a.jpg", caption=caption)])
    (item,), _ = load_pairs(path, pairs_dir / "images", RecordPolicy())
    assert item["caption"] == caption
    prompt = synthesis_request(item, True, "<|reserved_special_token_4|>").prompt
    assert prompt.endswith(f"<|end_header_id|>\n\n{caption}{EOT}{USER_HEADER}")


@pytest.mark.parametrize(
    "record,message",
    [
        (pair("b.jpg", content="Describe the image."), "no image placeholder"),
        ({"messages": pair("b.jpg")["messages"]}, "'images'"),
        (pair("b.jpg", caption="   "), "empty caption"),
        (pair("a.jpg"), "duplicated image name 'a.jpg'"),
        (pair("missing.jpg"), "image not found"),
        ({"images": ["b.jpg"], "messages": [{"role": "user", "content": "<image>"}]}, "'messages'"),
    ],
)
def test_bad_pair_stops_naming_file_and_record_or_is_skipped(pairs_dir, record, message):
    path = write(pairs_dir / "pairs.json", [pair("a.jpg"), record])
    with pytest.raises(BadInputError) as err:
        load_pairs(path, pairs_dir / "images", RecordPolicy("stop"))
    assert str(path) in str(err.value) and "record 1" in str(err.value) and message in str(err.value)
    pairs, stats = load_pairs(path, pairs_dir / "images", RecordPolicy("skip"))
    assert len(pairs) == 1 and sum(stats.skipped.values()) == 1


@pytest.mark.parametrize("content,message", [(b"", "empty (0 bytes)"), (b"not a jpeg at all", "cannot be decoded")])
def test_empty_and_corrupt_images(pairs_dir, content, message):
    (pairs_dir / "images" / "b.jpg").write_bytes(content)
    path = write(pairs_dir / "pairs.json", [pair("a.jpg"), pair("b.jpg")])
    with pytest.raises(BadInputError, match=re.escape(message)):
        load_pairs(path, pairs_dir / "images", RecordPolicy())


def test_malformed_json_names_line_and_column(tmp_path):
    path = tmp_path / "pairs.json"
    path.write_text('[\n {"images": ["a.jpg"],\n  "messages": [}\n]')
    with pytest.raises(BadInputError, match=r"pairs.json: malformed JSON at line 3"):
        read_json(path)


def test_malformed_jsonl_names_line(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text('{"a": 1}\n{"a": \n')
    with pytest.raises(BadInputError, match="record at line 2"):
        list(iter_jsonl(path))


def seed_files(tmp_path, make_image, vflan=None, captions=None, instruct=None):
    for name in ("x.jpg", "y.jpg"):
        make_image(f"task/{name}", folder=tmp_path / "img")
    conv = lambda q, a: [{"from": "human", "value": q}, {"from": "gpt", "value": a}]  # noqa: E731
    vflan = vflan or [
        {"id": i, "image": f"task/{n}", "task_name": "task", "conversations": conv("<image>\nQ?", "a")}
        for i, n in enumerate(("x.jpg", "y.jpg"))
    ]
    captions = captions or [
        {"id": n, "image": f"v/{n}", "conversations": conv("<image>\nCap", f"cap {n}")} for n in ("x.jpg", "y.jpg")
    ]
    instruct = instruct or [
        {"id": n, "image": f"v/{n}", "conversations": conv("Q?\n<image>", "long a")} for n in ("x.jpg", "y.jpg")
    ]
    return [write(tmp_path / f, d) for f, d in (("m.json", vflan), ("c.json", captions), ("i.json", instruct))] + [
        tmp_path / "img"
    ]


def test_seed_join_by_basename(tmp_path, make_image):
    records, stats = join_seed(*seed_files(tmp_path, make_image), RecordPolicy())
    assert [r["caption"] for r in records] == ["cap x.jpg", "cap y.jpg"]
    assert records[0]["precise"] == [["Q?", "a"]] and records[0]["informative"] == [["Q?", "long a"]]


def test_seed_qa_without_caption_is_ignored_and_counted(tmp_path, make_image):
    """docs/method.md §1: a precise or informative QA whose image has no caption is normal in the real files."""
    conv = [{"from": "human", "value": "<image>\nQ?"}, {"from": "gpt", "value": "a"}]
    vflan = [
        {"id": 0, "image": "task/x.jpg", "task_name": "task", "conversations": conv},
        {"id": 9, "image": "task/nocap.jpg", "task_name": "task", "conversations": conv},
    ]
    instruct = [{"id": n, "image": f"v/{n}", "conversations": conv} for n in ("x.jpg", "nocap.jpg", "other.jpg")]
    for policy in ("stop", "skip"):
        records, stats = join_seed(
            *seed_files(tmp_path, make_image, vflan=vflan, instruct=instruct), RecordPolicy(policy)
        )
        assert [r["task_name"] for r in records] == ["task"] and stats.skipped == {}
        assert stats.counts["precise QAs without caption (ignored)"] == 1
        assert stats.counts["informative QAs without caption (ignored)"] == 2


def test_seed_question_without_placeholder(tmp_path, make_image):
    conv = [{"from": "human", "value": "Q? no image"}, {"from": "gpt", "value": "a"}]
    vflan = [{"id": 3, "image": "task/x.jpg", "task_name": "task", "conversations": conv}]
    with pytest.raises(BadInputError, match="record 0 \\(id 3\\): question has no image placeholder"):
        join_seed(*seed_files(tmp_path, make_image, vflan=vflan), RecordPolicy())


def test_seed_second_caption_is_ignored_and_counted(tmp_path, make_image):
    """docs/method.md §1: a second caption for an already-captioned image is ignored; the first one stays."""
    conv = lambda cap: [{"from": "human", "value": "<image>\nCap"}, {"from": "gpt", "value": cap}]  # noqa: E731
    captions = [
        {"id": 1, "image": "a/x.jpg", "conversations": conv("first")},
        {"id": 2, "image": "b/x.jpg", "conversations": conv("second")},
        {"id": 3, "image": "a/y.jpg", "conversations": conv("cap y")},
    ]
    records, stats = join_seed(*seed_files(tmp_path, make_image, captions=captions), RecordPolicy())
    assert [r["caption"] for r in records] == ["first", "cap y"]
    assert stats.counts["duplicated captions (ignored)"] == 1 and stats.skipped == {}


def test_seed_image_of_several_tasks_takes_the_last_task_name(tmp_path, make_image):
    conv = [{"from": "human", "value": "<image>\nQ?"}, {"from": "gpt", "value": "a"}]
    vflan = [
        {"id": 0, "image": "task/x.jpg", "task_name": "first_task", "conversations": conv},
        {"id": 1, "image": "task/y.jpg", "task_name": "task", "conversations": conv},
        {"id": 2, "image": "task/x.jpg", "task_name": "last_task", "conversations": conv},
    ]
    records, stats = join_seed(*seed_files(tmp_path, make_image, vflan=vflan), RecordPolicy())
    assert [r["task_name"] for r in records] == ["last_task", "task"]
    assert records[0]["precise"] == [["Q?", "a"], ["Q?", "a"]]  # both records' QAs stay


@pytest.mark.parametrize(
    "question,kept",
    [
        ("<image>\nWhat is shown? ", "What is shown? "),
        ("  What is shown?\n<image>", "  What is shown?"),
        ("<image>\nCompare <image>\nthis and\n<image>", "Compare this and"),
        ("<image>\n\tTabs\tand  spaces\n", "\tTabs\tand  spaces\n"),
    ],
)
def test_seed_text_is_kept_byte_for_byte_without_image_placeholders(tmp_path, make_image, question, kept):
    """docs/method.md §1: every '<image>\\n' / '\\n<image>' is removed; questions, answers and captions are
    otherwise not stripped."""
    conv = lambda q, a: [{"from": "human", "value": q}, {"from": "gpt", "value": a}]  # noqa: E731
    vflan = [{"id": 0, "image": "task/x.jpg", "task_name": "t", "conversations": conv(question, " 4 \n")}]
    instruct = [{"id": 0, "image": "v/x.jpg", "conversations": conv(question, "\nFour.  ")}]
    captions = [{"id": 0, "image": "v/x.jpg", "conversations": conv("<image>\nCap", "  A cap. \n")}]
    files = seed_files(tmp_path, make_image, vflan=vflan, captions=captions, instruct=instruct)
    (record,), _ = join_seed(*files, RecordPolicy())
    assert record["precise"] == [[kept, " 4 \n"]]
    assert record["informative"] == [[kept, "\nFour.  "]]
    assert record["caption"] == "  A cap. \n"


def test_atomic_write_leaves_nothing_on_crash(tmp_path):
    target = tmp_path / "out.json"
    with pytest.raises(RuntimeError):
        with atomic_write(target) as handle:
            handle.write("half")
            raise RuntimeError("crash")
    assert list(tmp_path.iterdir()) == []


def test_cli_reports_bad_input_without_traceback_and_writes_nothing(pairs_dir):
    path = write(pairs_dir / "pairs.json", [pair("a.jpg"), pair("a.jpg")])
    shard = pairs_dir / "s1.jsonl"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "adamllm.cli",
            "shard-pairs",
            str(path),
            str(pairs_dir / "images"),
            "--shards",
            str(shard),
            "--stats",
            str(pairs_dir / "stats.json"),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"{path}, record 1: duplicated image name 'a.jpg'" in result.stderr
    assert not shard.exists()
