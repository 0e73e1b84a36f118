"""Streaming JSON list writer: the same bytes as write_json, for any list."""

import random

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
