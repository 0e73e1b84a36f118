"""Per-stage counts of items in and out (and skipped, by reason), written as JSON."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from adamllm.core.io import read_json, write_json


@dataclass
class StageStats:
    """Counts for one stage; ``counts`` holds stage-specific tallies such as judged labels."""

    stage: str
    items_in: int = 0
    items_out: int = 0
    counts: Counter = field(default_factory=Counter)
    skipped: Counter = field(default_factory=Counter)
    sources: dict[str, str] = field(default_factory=dict)  # input path → SHA-256, for provenance

    def as_dict(self) -> dict:
        record = {
            "stage": self.stage,
            "in": self.items_in,
            "out": self.items_out,
            "counts": dict(sorted(self.counts.items())),
            "skipped": dict(sorted(self.skipped.items())),
        }
        if self.sources:
            record["sources"] = dict(sorted(self.sources.items()))
        return record

    def record_sources(self, *paths) -> None:
        """Record the content digests (folders: over their files) of the inputs a stage read."""
        from adamllm.core.provenance import digest

        self.sources.update({str(path): digest(path) for path in paths})

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


def domain_counts(pairs, parsed, judged) -> dict:
    """A domain's items through the data stages, from their stats files: valid pairs (shard_pairs), parsed and
    paired continuations (parse_and_pair, every shard), judged labels and kept tasks (consistency_filter)."""
    valid, judgements = read_json(pairs), read_json(judged)
    turns = merge_stats(parsed, "parse_and_pair")
    return {
        "pairs_in": valid["in"],
        "pairs_valid": valid["out"],
        "pairs_skipped": valid["skipped"],
        "parsed": turns.counts["parsed"],
        "paired": turns.counts["paired"],
        "judged": {k: judgements["counts"].get(f"judged_{k}", 0) for k in ("yes", "no", "open", "other")},
        "kept_tasks": judgements["out"],
    }


def funnel(counts: dict) -> str:
    """``12 pairs → 12 parsed → 0 paired → 0 kept``: where a domain's items were lost."""
    return (
        f"{counts['pairs_valid']} pairs → {counts['parsed']} parsed → {counts['paired']} paired → "
        f"{counts['kept_tasks']} kept"
    )
