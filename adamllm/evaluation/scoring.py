"""Scoring a predictions file: validation with clear errors, then the task's scorer."""

from __future__ import annotations

from adamllm.errors import BadInputError
from adamllm.evaluation.tasks import _key, get_benchmark, label_problem, prediction_schema
from adamllm.schemas import RecordCheck


def score_file(task: str, path, definitions: dict | None = None) -> dict:
    """Scores of a predictions JSONL file (one row per item: a unique id, label, pred, and the task's fields, each
    checked against the benchmark before anything is scored);
    ``task`` is a benchmark's name (bundled, or in ``definitions``: name → file) or its definition file."""
    benchmark = get_benchmark(task, definitions)
    rows = []
    for where, row in RecordCheck(prediction_schema(benchmark)).records(path):
        problem = label_problem(benchmark, row)
        if problem:
            raise BadInputError(path, problem, where)
        if "task" in row and str(row["task"]) != benchmark.name and _key(str(row["task"])) != _key(benchmark.name):
            raise BadInputError(path, f"row is for task {row['task']!r}, not {benchmark.name}", where)
        rows.append(row)
    if not rows:
        raise BadInputError(path, f"no predictions to score for {benchmark.name} (empty file)")
    try:
        return benchmark.score(rows)
    except ValueError as err:
        raise BadInputError(path, str(err)) from None
