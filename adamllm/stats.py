"""Per-stage counts of items in and out (and skipped, by reason), written as JSON."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from adamllm.io import read_json, write_json


@dataclass
class StageStats:
    """Counts for one stage; ``counts`` holds stage-specific tallies such as judged labels."""

    stage: str
    items_in: int = 0
    items_out: int = 0
    counts: Counter = field(default_factory=Counter)
    skipped: Counter = field(default_factory=Counter)

    def as_dict(self) -> dict:
        return {
            "stage": self.stage,
            "in": self.items_in,
            "out": self.items_out,
            "counts": dict(sorted(self.counts.items())),
            "skipped": dict(sorted(self.skipped.items())),
        }

    def write(self, path) -> None:
        write_json(path, self.as_dict())


def merge_stats(paths, stage: str) -> StageStats:
    """Add up the stats files of several shards of one stage."""
    total = StageStats(stage)
    for path in paths:
        part = read_json(path)
        total.items_in += part["in"]
        total.items_out += part["out"]
        total.counts.update(part["counts"])
        total.skipped.update(part["skipped"])
    return total
