"""Scoring a predictions file: validation with clear errors, then the task's scorer."""

from __future__ import annotations

from adamllm.errors import BadInputError
from adamllm.evaluation.tasks import _key, get_benchmark, validate_row
from adamllm.io import iter_jsonl


def score_file(task: str, path, definitions: dict | None = None) -> dict:
    """Scores of a predictions JSONL file (one row per item: a unique id, label, pred, and the task's fields, each
    checked against the benchmark before anything is scored);
    ``task`` is a benchmark's name (bundled, or in ``definitions``: name → file) or its definition file."""
    benchmark = get_benchmark(task, definitions)
    rows, lines = [], {}
    for line, row in enumerate(iter_jsonl(path), start=1):
        validate_row(benchmark, row, path, f"at line {line}")
        if lines.setdefault(row["id"], line) != line:
            raise BadInputError(path, f"id {row['id']!r} repeats line {lines[row['id']]}", f"at line {line}")
        if "task" in row and str(row["task"]) != benchmark.name and _key(str(row["task"])) != _key(benchmark.name):
            raise BadInputError(path, f"row is for task {row['task']!r}, not {benchmark.name}", f"at line {line}")
        rows.append(row)
    if not rows:
        raise BadInputError(path, f"no predictions to score for {benchmark.name} (empty file)")
    try:
        return benchmark.score(rows)
    except ValueError as err:
        raise BadInputError(path, str(err)) from None
