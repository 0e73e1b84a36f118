"""Every stage reads its records through one reader and one declared schema per format (adamllm.core.schemas).

The table of stages and the formats they read is checked against the stages' signatures; the package's source
is scanned for any other way of reading a JSON or JSONL file, which only the reader itself and an allowlist of
files that hold no records (statistics, manifests, a model's own config, the progress store's bookkeeping) may
use. A new stage that reads records with ``iter_jsonl`` or ``json.loads`` fails here.
"""

import ast
import inspect
from pathlib import Path

import pytest

from adamllm.core import schemas
from adamllm.core.errors import BadInputError, RecordPolicy
from adamllm.workflow.stages import STAGES

PACKAGE = Path(schemas.__file__).parent
LOW_LEVEL = {"iter_jsonl", "read_jsonl", "read_json_list", "jsonl_values", "jsonl_entries", "load", "loads",
             "read_json"}  # fmt: skip
# (module, function) → why reading a JSON file there is not reading records.
NOT_RECORDS = {
    ("io.py", None): "the low-level readers themselves",
    ("schemas.py", None): "the reader",
    ("cli.py", "_json_arg"): "a command-line argument given as JSON",
    ("cli.py", "_generate"): "the requests of `adamllm generate`, a tool, not a stage",
    ("stages.py", "main"): "a stage's arguments as JSON (python -m adamllm.workflow.stages)",
    ("stages.py", "score_predictions"): "the data stages' stats files, for the manifests' sources",
    ("stats.py", "merge_stats"): "stats files",
    ("stats.py", "domain_counts"): "stats files",
    ("progress.py", "__init__"): "the progress store's key",
    ("progress.py", "rows"): "the progress store's own chunks (rows a stage made, written by run_chunked)",
    ("progress.py", "status"): "the progress store's key",
    ("posttrain.py", "post_train"): "LLaMA-Factory's dataset_info.json and trainer state",
    ("plan.py", "_posttrain"): "a dataset_info.json",
    ("checkpoints.py", "vllm_compatible"): "a checkpoint's config and weight index",
    ("provenance.py", None): "manifests",
    ("config_check.py", "_check_labels"): "a config check of a benchmark's labels before any job",
    ("evaluation/tasks.py", "_classes"): "a benchmark's class list",
    ("evaluation/report.py", "collect"): "score files",
    ("evaluation/report.py", "write_overview"): "stats, loss and effect files",
    ("estimates.py", "_count"): "counts a source file's entries for a cost estimate; reads no field",
}


def test_the_table_of_formats_names_real_stage_parameters():
    for (stage, parameter), schema in schemas.STAGE_FORMATS.items():
        assert stage in STAGES or stage in ("posttrain",), stage
        function = STAGES.get(stage)
        if function is not None:
            assert parameter in inspect.signature(function).parameters, (stage, parameter)
        assert isinstance(schema, schemas.Schema)


def _reads(tree):
    """(enclosing function, name) of every call of a low-level reader in a module."""
    found = []

    def visit(node, function):
        for child in ast.iter_child_nodes(node):
            inner = child.name if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else function
            if isinstance(child, ast.Call):
                func = child.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
                if name in LOW_LEVEL and not (name in ("load", "loads") and not _is_json(func)):
                    found.append((function, name))
            visit(child, inner)

    visit(tree, None)
    return found


def _is_json(func) -> bool:
    return isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "json"


def test_no_module_reads_records_but_through_the_schema_reader():
    unexpected = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = path.relative_to(PACKAGE).as_posix()
        for function, name in _reads(ast.parse(path.read_text())):
            if (module, None) not in NOT_RECORDS and (module, function) not in NOT_RECORDS:
                unexpected.append(f"{module}:{function} calls {name}")
    assert not unexpected, "read records through adamllm.core.schemas.read_records: " + "; ".join(unexpected)


def test_the_scan_finds_a_stage_that_reads_records_another_way():
    """The scan itself can fail: a stage reading JSONL with iter_jsonl is caught."""
    source = "def parse_and_pair(synthesized):\n    return list(iter_jsonl(synthesized))\n"
    assert _reads(ast.parse(source)) == [("parse_and_pair", "iter_jsonl")]


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"id": 0, "image": "x.jpg", "instruction": "<image>", "caption": "c"}, None),
        ({"id": "0", "image": "x.jpg", "instruction": "<image>", "caption": "c"}, "field 'id' must be an integer"),
        ({"id": True, "image": "x.jpg", "instruction": "<image>", "caption": "c"}, "found a boolean"),
        ({"id": 0, "image": "x.jpg", "caption": "c"}, "field(s) missing: 'instruction'"),
        ({"id": 0, "image": "x.jpg", "instruction": "<image>", "caption": "c\ud800"}, "holds a lone surrogate U+D800"),
        (
            {"id": 0, "image": "", "instruction": "<image>", "caption": "c"},
            "field 'image' must be a path (text), found an",
        ),
        ([1, 2], "must be an object, found a list"),
    ],
)
def test_a_schema_says_what_a_field_must_hold(record, message):
    problem = schemas.SHARD.problem(record)
    assert problem is None if message is None else message in problem


def test_the_reader_names_file_and_line_counts_skips_and_keeps_ids_unique(tmp_path):
    path = tmp_path / "shard.jsonl"
    good = '{"id": 0, "image": "x.jpg", "instruction": "<image>", "caption": "c"}\n'
    path.write_text(good + "\n" + good.replace('"c"', "7") + good)
    with pytest.raises(BadInputError, match=r"shard.jsonl, record at line 3: not a shard item: field 'caption'"):
        list(schemas.read_records(path, schemas.SHARD))
    policy = RecordPolicy("skip")
    assert len(list(schemas.read_records(path, schemas.SHARD, policy))) == 1
    assert policy.skipped == {"not a shard item": 2}  # the wrong type, then id 0 again
    path.write_text(good + good)
    with pytest.raises(BadInputError, match=r"record at line 2: not a shard item: id 0 repeats line 1"):
        list(schemas.read_records(path, schemas.SHARD))
    path.write_bytes(good.encode() + b'{"id": 1, "caption": "\xff"}\n')
    with pytest.raises(BadInputError, match=r"record at line 2: not UTF-8 text"):
        list(schemas.read_records(path, schemas.SHARD))
