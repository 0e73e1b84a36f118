"""Sampling uncertainty of scores: a seeded percentile bootstrap over a benchmark's rows.

Every score of every metric kind is the mean of per-row values (adamllm.evaluation.metrics), so one function
serves them all: resample the rows with replacement, take the mean of each resample, and read the interval
off the resampled means. The gain of a model over its base on the same rows is the same function applied to
the per-row differences (a paired bootstrap).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

RESAMPLES = 2000
SEED = 0  # the same rows give the same interval on every run
LEVEL = 0.95
_DRAWS_AT_ONCE = 2_000_000  # row indices drawn per block: bounds memory on large benchmarks


def bootstrap_interval(values: Sequence[float], resamples: int = RESAMPLES, seed: int = SEED,
                       level: float = LEVEL) -> tuple[float, float] | None:  # fmt: skip
    """The ``level`` percentile-bootstrap interval of the mean of ``values``, ×100 as scores are; None
    without values."""
    import numpy as np

    if len(values) == 0:
        return None
    data = np.asarray(values, dtype=float)
    rng = np.random.default_rng(seed)
    means = np.empty(resamples)
    block = max(1, _DRAWS_AT_ONCE // len(data))
    for start in range(0, resamples, block):
        size = min(block, resamples - start)
        means[start : start + size] = data[rng.integers(0, len(data), size=(size, len(data)))].mean(axis=1)
    tail = (1 - level) / 2
    low, high = np.quantile(means, [tail, 1 - tail])
    return 100 * float(low), 100 * float(high)


def paired_gain(ours: Mapping[str, float], base: Mapping[str, float]) -> dict | None:
    """The gain (×100) of ``ours`` over ``base``, per-row values keyed by row id, on the rows both scored: the
    mean difference, its paired-bootstrap interval, the rows, and whether the interval excludes zero."""
    shared = sorted(ours.keys() & base.keys())
    if not shared:
        return None
    differences = [ours[row] - base[row] for row in shared]
    interval = bootstrap_interval(differences)
    return {
        "gain": 100 * sum(differences) / len(differences),
        "ci95": list(interval),
        "rows": len(shared),
        "distinguishable": not interval[0] <= 0 <= interval[1],
    }


def within(value: float | None, interval) -> bool | None:
    """Whether ``value`` lies inside ``interval`` (None when either is missing)."""
    if value is None or not interval:
        return None
    return interval[0] <= value <= interval[1]
