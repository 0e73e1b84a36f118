"""A property-based fuzzer of our own over the record formats (adamllm.core.schemas) and the stages that read them.

Hypothesis builds valid records from each format's schema, then mutates them: a field dropped, a value replaced
by each other JSON type, text drawn from every Unicode category (lone surrogates and control characters among
them), a record or an id duplicated, a number of any size, an image path that leaves its folder, a file cut
short or not UTF-8. Each example runs the stage through its real entry point (the ``adamllm`` command, in
process) and holds it to one contract:

- exit 0, the record processed as its valid twin would be or counted as skipped (``on_bad_record: skip``); or
  exit 1 with exactly one ``adamllm:`` line naming the file (and the record where there is one);
- never a traceback; no input modified; after a stop no output, partial file or progress store left behind.

The stages that need a model (synthesize, consistency_filter, tune_synthesizer, posttrain) read their formats
through the same reader (adamllm.core.schemas.read_records); those formats are fuzzed against the reader itself.
Derandomized (a fixed seed) and bounded: about a minute on 2 cores.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from adamllm.cli import main as adamllm
from adamllm.core import schemas
from adamllm.core.errors import BadInputError

# CI's budget; ADAMLLM_FUZZ_EXAMPLES=2000 ADAMLLM_FUZZ_RANDOM=1 hunts longer, with fresh draws.
FUZZ = settings(max_examples=int(os.environ.get("ADAMLLM_FUZZ_EXAMPLES", 60)), deadline=None,
                derandomize=not os.environ.get("ADAMLLM_FUZZ_RANDOM"), database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])  # fmt: skip

# --- values drawn from the schemas -------------------------------------------------------------------------

TEXT_CHARS = st.characters(exclude_categories=("Cs", "Cc")) | st.sampled_from("\t\n\r")


def valid(kind) -> st.SearchStrategy:
    """Values that fit ``kind`` (a schema's field)."""
    if isinstance(kind, schemas.Schema):
        return st.fixed_dictionaries({name: valid(k) for name, k in kind.fields.items()},
                                     optional={name: valid(k) for name, k in kind.optional.items()})  # fmt: skip
    if kind in (schemas.TEXT, schemas.PATH):
        return st.text(TEXT_CHARS, min_size=1, max_size=20)
    if isinstance(kind, schemas.OneOf):
        return st.sampled_from(kind.values)
    if isinstance(kind, schemas.Nullable):
        return st.none() | valid(kind.kind)
    if isinstance(kind, schemas.ListOf):
        size = kind.length if kind.length is not None else None
        return st.lists(valid(kind.item), min_size=size or max(kind.min_length, 1), max_size=size or 3)
    plain = {
        schemas.STRING: st.text(st.characters(exclude_categories=("Cs",)), max_size=20),
        schemas.INTEGER: st.integers(0, 10**6),
        schemas.BOOLEAN: st.booleans(),
        schemas.ID: st.integers(0, 99) | st.text(TEXT_CHARS, max_size=5),
    }
    return plain[kind]


JSON_VALUES = st.sampled_from([None, True, 0, -1, 2**70, 1.5, float("1e308"), "", "x", [], [1], {}, {"a": 1}])
EDGE_TEXT = st.text(st.characters(), min_size=0, max_size=12) | st.sampled_from(
    ["\ud800", "a\udc80b", "\x00", "\x07bell", "\u2028", "\ufeff", "\u202e", "<|eot_id|>", "<image>", " ", "é" * 5000]
)


@st.composite
def mutated(draw, record: dict) -> dict:
    """``record`` with one thing changed: a field dropped, a value of another JSON type, an edge-case text at
    any depth."""
    record = json.loads(json.dumps(record))
    paths = list(_paths(record))
    if not paths:  # already no object
        return draw(JSON_VALUES)
    path = draw(st.sampled_from(paths))
    *parents, last = path
    holder = record
    for key in parents:
        holder = holder[key]
    action = draw(st.sampled_from(["drop", "retype", "text"]))
    if action == "drop" and isinstance(holder, dict):
        del holder[last]
    elif action == "retype":
        holder[last] = draw(JSON_VALUES)
    else:
        holder[last] = draw(EDGE_TEXT)
    return record


def _paths(value, prefix=()):
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, inner in items:
        yield (*prefix, key)
        yield from _paths(inner, (*prefix, key))


@st.composite
def files_of(draw, good: list[dict], jsonl: bool) -> bytes:
    """A file of ``good`` records with mutations: some records mutated or duplicated, or the bytes cut short or
    made not UTF-8."""
    records = list(good)
    for _ in range(draw(st.integers(1, 2))):
        index = draw(st.integers(0, len(records) - 1))
        how = draw(st.sampled_from(["mutate", "mutate", "duplicate", "not an object"]))
        if how == "mutate":
            records[index] = draw(mutated(records[index]))
        elif how == "duplicate":
            records.append(records[index])
        else:
            records[index] = draw(JSON_VALUES)
    text = "".join(json.dumps(r) + "\n" for r in records) if jsonl else json.dumps(records)
    data = text.encode()
    damage = draw(st.sampled_from(["none", "none", "none", "cut", "latin-1"]))
    if damage == "cut":
        data = data[: draw(st.integers(0, max(len(data) - 1, 0)))]
    elif damage == "latin-1":
        data = data.replace(b"A", b"\xc0", 1) if b"A" in data else data + b"\xff"
    return data


# --- the contract ------------------------------------------------------------------------------------------


def checksums(folder: Path) -> dict:
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*") if p.is_file()}


def run_contract(folder: Path, argv: list[str], named: Path, out: Path) -> int:
    """Run the ``adamllm`` command on the inputs under ``folder``; hold it to the contract; return its exit."""
    before = checksums(folder)
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = adamllm(argv)  # an exception escaping here is a traceback: the test fails with it
    message = err.getvalue()
    assert "Traceback" not in message
    assert {p: s for p, s in checksums(folder).items() if p in before} == before, "an input was modified"
    if code == 0:
        return code
    lines = [line for line in message.splitlines() if "adamllm:" in line]
    assert code == 1 and len(lines) == 1, message[-2000:]
    assert str(named) in lines[0], lines[0]
    left = [p for p in out.rglob("*")] if out.exists() else []
    assert not left, f"a stage that stopped left {left}"
    return code


def fresh(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / name
    if folder.exists():
        import shutil

        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


# --- stages, through the command line ----------------------------------------------------------------------

PAIR = {"images": ["a.jpg"], "messages": [{"role": "user", "content": "<image>Describe the image."},
                                          {"role": "assistant", "content": "A cell."}]}  # fmt: skip


def two_pairs():
    second = json.loads(json.dumps(PAIR))
    second["images"] = ["b.jpg"]
    return [PAIR, second]


@FUZZ
@given(data=st.data(), policy=st.sampled_from(["stop", "skip"]))
def test_shard_pairs_holds_the_contract(tmp_path, data, policy):
    d = fresh(tmp_path, "case")
    for name in ("a.jpg", "b.jpg"):
        (d / "images").mkdir(exist_ok=True)
        Image.new("RGB", (40, 30), (120, 30, 30)).save(d / "images" / name, format="JPEG")
    pairs = d / "pairs.json"
    pairs.write_bytes(data.draw(files_of(two_pairs(), jsonl=False)))
    out = fresh(tmp_path, "case-out")
    argv = ["shard-pairs", str(pairs), str(d / "images"), "--shards", str(out / "1.jsonl"), str(out / "2.jsonl"),
            "--stats", str(out / "stats.json"), "--on-bad-record", policy]  # fmt: skip
    if run_contract(d, argv, pairs, out) == 0:
        stats = json.loads((out / "stats.json").read_text())
        assert stats["out"] + sum(stats["skipped"].values()) == stats["in"]


def seed_files(d: Path):
    images = d / "img" / "task"
    images.mkdir(parents=True)
    Image.new("RGB", (40, 30)).save(images / "x.jpg", format="JPEG")
    vflan = {"id": 0, "image": "task/x.jpg", "task_name": "task",
             "conversations": [{"from": "human", "value": "<image>\nQ?"}, {"from": "gpt", "value": "a"}]}  # fmt: skip
    caption = {"id": "c", "image": "v/x.jpg", "conversations": [{"from": "human", "value": "<image>\nDescribe"},
                                                                {"from": "gpt", "value": "A cap."}]}  # fmt: skip
    instruct = {"id": "i", "image": "v/x.jpg", "conversations": [{"from": "human", "value": "Q?\n<image>"},
                                                                 {"from": "gpt", "value": "A long a."}]}  # fmt: skip
    return {"m.json": vflan, "c.json": caption, "i.json": instruct}


@FUZZ
@given(data=st.data(), which=st.sampled_from(["m.json", "c.json", "i.json"]), policy=st.sampled_from(["stop", "skip"]))
def test_prepare_seed_holds_the_contract(tmp_path, data, which, policy):
    d = fresh(tmp_path, "case")
    good = seed_files(d)
    for name, record in good.items():
        content = data.draw(files_of([record], jsonl=False)) if name == which else json.dumps([record]).encode()
        (d / name).write_bytes(content)
    out = fresh(tmp_path, "case-out")
    argv = ["prepare-seed", str(d / "m.json"), str(d / "c.json"), str(d / "i.json"), str(d / "img"),
            "--seed", str(out / "seed.json"), "--stats", str(out / "stats.json"),
            "--on-bad-record", policy]  # fmt: skip
    run_contract(d, argv, d, out)  # a join names the file it stopped on: one of the three under d


SHARD_ITEM = {"id": 0, "image": "x.jpg", "instruction": "<image>Describe.", "caption": "A cell."}
CONTINUATION = ("Answer with a precise response.\nQ?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nno"
                "<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nAnswer with an informative response.\nQ?"
                "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nNo, none.<|eot_id|>")  # fmt: skip


@FUZZ
@given(data=st.data())
def test_parse_and_pair_holds_the_contract(tmp_path, data):
    d = fresh(tmp_path, "case")
    good = [{**SHARD_ITEM, "pred": CONTINUATION}, {**SHARD_ITEM, "id": 1, "pred": None, "skipped": "x"}]
    synthesized = d / "syn.jsonl"
    synthesized.write_bytes(data.draw(files_of(good, jsonl=True)))
    out = fresh(tmp_path, "case-out")
    argv = ["parse-and-pair", str(synthesized), "--triplets", str(out / "t.jsonl"), "--stats", str(out / "s.json")]
    run_contract(d, argv, synthesized, out)


TRIPLET = {"Q": "Q?", "precise_A": "no", "informative_A": "No, none."}


def judged(index, consistent):
    return {**SHARD_ITEM, "id": index, "pred": CONTINUATION, "triplet": TRIPLET,
            "judgement": " Yes" if consistent else " No", "consistent": consistent}  # fmt: skip


@FUZZ
@given(data=st.data())
def test_merge_tasks_holds_the_contract(tmp_path, data):
    d = fresh(tmp_path, "case")
    first, second = d / "1.jsonl", d / "2.jsonl"
    first.write_bytes(data.draw(files_of([judged(0, True), judged(1, False)], jsonl=True)))
    second.write_text(json.dumps(judged(2, True)) + "\n")
    stats = d / "s.json"
    stats.write_text(json.dumps({"stage": "consistency_filter", "in": 3, "out": 2, "counts": {}, "skipped": {}}))
    out = fresh(tmp_path, "case-out")
    argv = ["merge-tasks", "--judged", str(first), str(second), "--shard-stats", str(stats),
            "--tasks", str(out / "tasks.jsonl"), "--stats", str(out / "tasks.stats.json")]  # fmt: skip
    run_contract(d, argv, first, out)


@FUZZ
@given(data=st.data(), recipe=st.sampled_from(["single_stage", "synthetic_only", "unfiltered_precise"]))
def test_posttrain_data_holds_the_contract(tmp_path, data, recipe):
    d = fresh(tmp_path, "case")
    tasks = d / "tasks.jsonl"
    tasks.write_bytes(data.draw(files_of([judged(0, True), judged(1, False)], jsonl=True)))
    out = fresh(tmp_path, "case-out")
    argv = ["posttrain-data", str(tasks), "x", "--recipe", recipe, "--data", str(out / "data.json"),
            "--info", str(out / "info.json")]  # fmt: skip
    run_contract(d, argv, tasks, out)


@FUZZ
@given(data=st.data())
def test_synthesizer_set_holds_the_contract(tmp_path, data):
    d = fresh(tmp_path, "case")
    Image.new("RGB", (8, 8), (255, 255, 255)).save(d / "blank.jpg", format="JPEG")
    record = {"image": "x.jpg", "task_name": "t", "caption": "c", "precise": [["Q?", "a"]],
              "informative": [["Q?", "long a"]]}  # fmt: skip
    seed = d / "seed.json"
    seed.write_bytes(data.draw(files_of([record, {**record, "image": "y.jpg"}], jsonl=False)))
    out = fresh(tmp_path, "case-out")
    argv = ["synthesizer-set", str(seed), str(d / "blank.jpg"), "--dev-ratio", "0", "--train", str(out / "t.json"),
            "--dev", str(out / "d.json"), "--stats", str(out / "s.json")]  # fmt: skip
    run_contract(d, argv, seed, out)


def slake(index):
    return {"id": index, "label": "yes", "pred": "yes", "answer_type": "CLOSED"}


@FUZZ
@given(data=st.data(), task=st.sampled_from(["SLAKE", "PMC-VQA", "Nutrition5K", "Food101", "Recipe1M"]))
def test_scoring_holds_the_contract(tmp_path, data, task):
    d = fresh(tmp_path, "case")
    good = {
        "SLAKE": [slake(0), {**slake(1), "answer_type": "OPEN", "label": "lung"}],
        "PMC-VQA": [{"id": 0, "label": "A", "pred": "(A)", "A": "a", "B": "b", "C": "c", "D": "d"}],
        "Nutrition5K": [{"id": 0, "label": ["rice", "chicken"], "pred": "rice"}],
        "Food101": [{"id": 0, "label": "pizza", "pred": "pizza"}],
        "Recipe1M": [{"id": 0, "label": "Boil water. Add pasta.", "pred": "Boil water."}],
    }[task]
    predictions = d / "pred.jsonl"
    predictions.write_bytes(data.draw(files_of(good, jsonl=True)))
    run_contract(d, ["score", task, str(predictions)], predictions, tmp_path / "no-output")


# --- the formats the model stages read, against the reader -------------------------------------------------


@pytest.mark.parametrize(
    "schema",
    [schemas.SHARD, schemas.TRIPLETS, schemas.SYNTHESIZER_SAMPLE, schemas.POSTTRAIN_RECORD],
    ids=lambda s: s.name,
)
@FUZZ
@given(data=st.data(), policy=st.sampled_from(["stop", "skip"]))
def test_the_reader_names_file_and_record_or_counts_a_skip(tmp_path, schema, data, policy):
    """A valid record drawn from the schema reads back unchanged; every mutant is named or counted."""
    from adamllm.core.errors import RecordPolicy

    record = data.draw(valid(schema))
    if schema.unique:
        record = {**record, **{name: 0 for name in schema.unique}}
    jsonl = data.draw(st.booleans())
    path = tmp_path / ("records.jsonl" if jsonl else "records.json")
    path.write_text(json.dumps(record) + "\n" if jsonl else json.dumps([record]))
    assert list(schemas.read_records(path, schema)) == [record]
    path.write_bytes(data.draw(files_of([record], jsonl=jsonl)))
    rules = RecordPolicy(policy)
    try:
        records = list(schemas.read_records(path, schema, rules))
    except BadInputError as err:
        assert err.path == str(path) and "\n" not in str(err)
        return
    for read in records:
        assert schema.problem(read) is None
