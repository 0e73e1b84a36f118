"""Streaming JSON list writer: the same bytes as write_json, for any list."""

import random

import pytest

from adamllm.io import write_json, write_json_list


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


def test_streamed_list_bytes_equal_write_json(tmp_path):
    rng = random.Random(7)
    for case in range(200):
        items = [random_value(rng) for _ in range(rng.randrange(5))]
        write_json(tmp_path / "whole.json", items)
        assert write_json_list(tmp_path / "streamed.json", iter(items)) == len(items)
        assert (tmp_path / "streamed.json").read_bytes() == (tmp_path / "whole.json").read_bytes(), (case, items)


@pytest.mark.parametrize("umask", [0o022, 0o002, 0o077])
def test_written_files_get_the_permissions_the_umask_gives(tmp_path, umask):
    """As `open` would: a group member can read (and, under umask 002, write) shared results."""
    import os
    import stat

    from adamllm.io import write_jsonl

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
