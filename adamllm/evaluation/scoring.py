"""Scoring a predictions file: validation with clear errors, then the task's scorer, and each score's
sampling uncertainty (adamllm.evaluation.uncertainty)."""

from __future__ import annotations

from adamllm.core.errors import BadInputError
from adamllm.core.schemas import RecordCheck
from adamllm.evaluation.tasks import Benchmark, _key, get_benchmark, label_problem, prediction_schema
from adamllm.evaluation.uncertainty import bootstrap_interval


def score_file(task: str, path, definitions: dict | None = None) -> dict:
    """Scores of a predictions JSONL file (one row per item: a unique id, label, pred, and the task's fields, each
    checked against the benchmark before anything is scored);
    ``task`` is a benchmark's name (bundled, or in ``definitions``: name → file) or its definition file."""
    benchmark = get_benchmark(task, definitions)
    return _scored(benchmark, path, _checked_rows(benchmark, path))[0]


def score_file_with_intervals(task: str, path, definitions: dict | None = None) -> tuple[dict, dict]:
    """:func:`score_file`'s scores with ``ci95``: score key → its seeded 95% bootstrap interval over the rows
    ([low, high], ×100; None where nothing was scored), and the per-row values behind them: score key →
    {row id: value} (what a paired comparison of two models on the same rows needs)."""
    benchmark = get_benchmark(task, definitions)
    scores, per_row = _scored(benchmark, path, _checked_rows(benchmark, path))
    intervals = {key: bootstrap_interval([value for _id, value in items]) for key, items in per_row.items()}
    scores["ci95"] = {key: list(interval) if interval else None for key, interval in intervals.items()}
    return scores, {key: {str(row_id): value for row_id, value in items} for key, items in per_row.items()}


def _scored(benchmark: Benchmark, path, rows: list[dict]) -> tuple[dict, dict]:
    try:
        per_row = benchmark.per_row(rows)
        return benchmark.score(rows, per_row), per_row
    except ValueError as err:
        raise BadInputError(path, str(err)) from None


def _checked_rows(benchmark: Benchmark, path) -> list[dict]:
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
    return rows
