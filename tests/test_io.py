"""JSON writers: the same bytes as json.dumps(..., ensure_ascii=False, indent=1), streamed or whole."""

import json
import math
import random
from collections import OrderedDict

import pytest

from adamllm.core.io import indented_json, write_json, write_json_list


def random_value(rng: random.Random, depth: int = 0):
    kinds = ["str", "int", "float", "none", "bool"] + (["list", "dict"] if depth < 3 else [])
    kind = rng.choice(kinds)
    if kind == "str":
        return "".join(rng.choice('ab \n\t"\\é中<|>') for _ in range(rng.randrange(6)))
    if kind == "int":
        return rng.randrange(-5, 5)
    if kind == "float":
        return rng.random()
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "list":
        return [random_value(rng, depth + 1) for _ in range(rng.randrange(3))]
    if kind == "dict":
        return {f"k{i}\n": random_value(rng, depth + 1) for i in range(rng.randrange(3))}
    return None


def test_streamed_list_bytes_equal_write_json_and_json_dumps(tmp_path):
    rng = random.Random(7)
    for case in range(200):
        items = [random_value(rng) for _ in range(rng.randrange(5))]
        expected = (json.dumps(items, ensure_ascii=False, indent=1) + "\n").encode()
        write_json(tmp_path / "whole.json", items)
        assert write_json_list(tmp_path / "streamed.json", iter(items)) == len(items)
        assert (tmp_path / "streamed.json").read_bytes() == expected, (case, items)
        assert (tmp_path / "whole.json").read_bytes() == expected, (case, items)


def test_write_json_of_a_value_that_is_not_a_list(tmp_path):
    rng = random.Random(8)
    for case in range(50):
        value = {"items": [random_value(rng) for _ in range(3)], "n": case} if case % 2 else random_value(rng)
        write_json(tmp_path / "value.json", value)
        expected = json.dumps(value, ensure_ascii=False, indent=1) + "\n"
        assert (tmp_path / "value.json").read_text(encoding="utf-8") == expected, (case, value)


NUMBERS = [0, -1, 2**70, -(2**64), True, False, None, 0.0, -0.0, 1.5, 1e300, 5e-324, math.inf, -math.inf, math.nan]
TEXTS = ["", " ", "\x00\x1f\x7f\x80", '"quoted" \\ back\\slash', "\b\f\n\r\t", "é中😀\u2028\ud800", "</script>"]


def any_value(rng: random.Random, depth: int = 0):
    """Scalars json treats specially, and containers of every kind json accepts, nested."""
    kind = rng.choice(["number", "text", "list", "tuple", "dict", "ordered", "keys"][: 2 if depth > 3 else 7])
    if kind == "number":
        return rng.choice(NUMBERS)
    if kind == "text":
        return rng.choice(TEXTS) + "".join(rng.choice(["a", " ", "\n", '"', "\\", "é", "😀", "\x01"]) for _ in range(4))
    items = [any_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    if kind == "list":
        return items
    if kind == "tuple":
        return tuple(items)
    if kind == "keys":  # keys json turns into strings
        return dict(zip(rng.sample([1, -2, 0.5, math.inf, True, False, None, "1"], len(items)), items, strict=True))
    pairs = [(rng.choice(TEXTS) + str(index), item) for index, item in enumerate(items)]
    return OrderedDict(pairs) if kind == "ordered" else dict(pairs)


def test_indented_json_is_json_dumps_indent_1():
    rng = random.Random(11)
    for case in range(3000):
        value = any_value(rng)
        assert indented_json(value) == json.dumps(value, ensure_ascii=False, indent=1), (case, value)


@pytest.mark.parametrize("value", [{(1, 2): "tuple key"}, {"x": {1, 2}}, [b"bytes"], object()])
def test_indented_json_refuses_what_json_refuses(value):
    with pytest.raises(TypeError) as ours:
        indented_json(value)
    with pytest.raises(TypeError) as theirs:
        json.dumps(value, ensure_ascii=False, indent=1)
    assert str(ours.value) == str(theirs.value)


def test_posttrain_records_are_written_as_json_dumps_writes_them(tmp_path):
    from adamllm.data.posttrain_data import RECIPES, format_record

    triplet = {"Q": "What is it?", "precise_A": "a nucleus", "informative_A": "It is a nucleus, so dark."}
    items = [{"id": i, "image": f"images/{i}.jpg", "instruction": "<image>\nDescribe the image.", "triplet": triplet,
              "caption": f"Cells {i}.\n\"é\"", "consistent": i % 2 == 0} for i in range(50)]  # fmt: skip
    records = [format_record(item, RECIPES["single_stage"], 42, True) for item in items]
    write_json_list(tmp_path / "records.json", iter(records))
    expected = json.dumps(records, ensure_ascii=False, indent=1) + "\n"
    assert (tmp_path / "records.json").read_text(encoding="utf-8") == expected


@pytest.mark.parametrize("umask", [0o022, 0o002, 0o077])
def test_written_files_get_the_permissions_the_umask_gives(tmp_path, umask):
    """As `open` would: a group member can read (and, under umask 002, write) shared results."""
    import os
    import stat

    from adamllm.core.io import write_jsonl

    before = os.umask(umask)
    try:
        write_json(tmp_path / "a.json", {"x": 1})
        write_jsonl(tmp_path / "b.jsonl", [{"x": 1}])
        with open(tmp_path / "reference", "w") as handle:  # what a plain open gives under this umask
            handle.write("x")
    finally:
        os.umask(before)
    expected = stat.S_IMODE((tmp_path / "reference").stat().st_mode)
    assert expected == 0o666 & ~umask
    for name in ("a.json", "b.jsonl"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == expected, name


def test_concatenated_jsonl_is_what_encoding_the_rows_again_writes(tmp_path):
    """Merging copies checked lines instead of encoding them again: for files write_jsonl wrote, the same
    bytes as writing all their rows anew; blank lines dropped, a missing last line break added, a broken
    line named."""
    from adamllm.core.errors import BadInputError
    from adamllm.core.io import concat_jsonl, iter_jsonl, write_jsonl

    rng = random.Random(7)
    parts = []
    for index in range(3):
        rows = [{"id": f"{index}-{n}", "pred": "é\t<|eot_id|>\n" * rng.randrange(4), "x": [n, None, 1.5]}
                for n in range(rng.randrange(1, 6))]  # fmt: skip
        write_jsonl(tmp_path / f"{index}.jsonl", rows)
        parts.append(tmp_path / f"{index}.jsonl")
    with open(parts[1], "a", encoding="utf-8") as handle:
        handle.write("\n  \n")
    last = parts[2].read_text(encoding="utf-8")
    parts[2].write_text(last.rstrip("\n"), encoding="utf-8")
    assert concat_jsonl(tmp_path / "merged.jsonl", parts) == sum(1 for p in parts for _ in iter_jsonl(p))
    write_jsonl(tmp_path / "anew.jsonl", (row for p in parts for row in iter_jsonl(p)))
    assert (tmp_path / "merged.jsonl").read_bytes() == (tmp_path / "anew.jsonl").read_bytes()
    parts[1].write_text('{"id": 1}\n{"id": \n', encoding="utf-8")
    with pytest.raises(BadInputError, match=r"1\.jsonl, record at line 2: malformed JSON"):
        concat_jsonl(tmp_path / "broken.jsonl", parts)
    assert not (tmp_path / "broken.jsonl").exists()
