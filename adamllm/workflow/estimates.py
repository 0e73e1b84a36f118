"""What a job will cost before it runs: GPU-hours estimated from the paper's own rates, and the time Snakemake
measured once it ran.

Every estimate is size × rate. Sizes are counted in the run's sources where they exist (a domain's pairs
file, the VisionFLAN metadata, benchmark rows: local, or downloaded), else taken from a size the config or a
benchmark definition states for hub data (`domains.<domain>.expected_pairs`, a definition's `size`). Files
the run makes (shards, training sets) are never counted: the plan is of a fresh run, which remakes them.
Rates are the paper's, in adamllm/templates/cost_rates.yaml, each with its basis; the config's `cost_rates`
corrects any of them.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from adamllm import TEMPLATES

RATES_FILE = TEMPLATES / "cost_rates.yaml"


@dataclass(frozen=True)
class Estimate:
    gpu_hours: float | None  # None: no size or no rate to estimate from (``basis`` says which)
    gpus: int  # the GPUs the profile gives the job
    basis: str

    @property
    def wall_hours(self) -> float | None:
        return None if self.gpu_hours is None else self.gpu_hours / self.gpus

    def as_json(self) -> dict:
        return {"gpu_hours": self.gpu_hours, "wall_hours": self.wall_hours, "gpus": self.gpus, "basis": self.basis}


@cache
def _bundled_rates() -> dict:
    return yaml.safe_load(RATES_FILE.read_text(encoding="utf-8"))


def rates(overrides: dict | None = None) -> dict:
    """The bundled rates, updated key by key by ``overrides`` (the config's `cost_rates`); an entry whose
    values were set there says so in its basis, unless a basis was given too."""
    return _merge(_bundled_rates(), overrides or {})


def _merge(base: dict, given: dict) -> dict:
    merged = dict(base)
    for key, value in given.items():
        merged[key] = _merge(base.get(key, {}), value) if isinstance(value, dict) else value
    if "basis" not in given and any(not isinstance(value, dict) for value in given.values()):
        merged["basis"] = "set in the config's cost_rates"
    return merged


def count_records(path) -> int:
    """Records of a JSON list (a pairs or training file) or lines of a JSONL file; a file is read once
    however many jobs ask (every shard of a domain counts its pairs file), again only when it changed."""
    stat = Path(path).stat()
    return _count(str(path), stat.st_mtime_ns, stat.st_size)


@cache
def _count(path: str, _mtime_ns: int, _size: int) -> int:
    if path.endswith(".jsonl"):
        with open(path, "rb") as handle:
            return sum(1 for line in handle if line.strip())
    return len(json.loads(Path(path).read_text(encoding="utf-8")))


@dataclass(frozen=True)
class Size:
    count: int
    source: str  # the file counted, or the setting that states it


def _file_size(path) -> Size | None:
    return Size(count_records(path), str(path)) if path and Path(path).is_file() else None


def domain_pairs(config: dict, domain: str) -> Size | None:
    """The domain's image-caption pairs: counted in its pairs file, else as the config states them."""
    from adamllm.workflow.targets import domain_source

    counted = _file_size(domain_source(config, domain)["pairs"])
    stated = config["domains"][domain].get("expected_pairs")
    return counted or (Size(stated, f"domains.{domain}.expected_pairs") if stated else None)


def _shard_pairs(job, config) -> Size | None:
    """Pairs of one synthesis (or filter) shard: the domain's pairs over the shards (the largest shard)."""
    pairs = domain_pairs(config, job.wildcards_dict["domain"])
    shards = config["synthesis"]["shards"]
    return Size(math.ceil(pairs.count / shards), f"{pairs.source} ÷ {shards} shards") if pairs else None


def _per_second(key: str, unit: str, size: Callable, missing: str) -> Callable:
    """A generation job: its items at the rule's rate per GPU-second (``missing``: what to state when the
    size is unknown)."""

    def estimate(job, config, rates_: dict, gpus: int) -> Estimate:
        rate = rates_[job.rule.name]
        found = size(job, config)
        if found is None:
            return Estimate(None, gpus, "no size: " + missing.format(**job.wildcards_dict))
        hours = found.count / rate[key] / 3600
        return Estimate(hours, gpus, f"{found.count:,} {unit} ({found.source}) at {rate[key]} per GPU-second "
                                     f"[{rate['basis']}]")  # fmt: skip

    return estimate


def _effect_pairs(job, config) -> Size | None:
    pairs = domain_pairs(config, job.wildcards_dict["domain"])
    if pairs is None:
        return None
    return Size(min(job.params["max_pairs"], pairs.count), f"synthesizer.untuned_check_pairs of {pairs.source}")


def _prediction_rows(job, config) -> Size | None:
    from adamllm.evaluation.tasks import get_benchmark

    total, sources = 0, []
    for task, rows_file in dict(job.params["rows_files"]).items():
        counted = _file_size(rows_file)
        size = get_benchmark(task, dict(job.params["definitions"])).size
        if counted is None and size is None:
            return None
        total += counted.count if counted else size
        sources.append(f"{task} {'counted' if counted else 'stated'}")
    return Size(total, ", ".join(sources))


def _training(size: Callable, epochs: Callable, batch: Callable, rate: Callable) -> Callable:
    """A training job: the paper's GPU-hours scaled by the records it goes through: records × epochs, or
    max_steps × global batch when max_steps is set (the trainer then runs exactly that many steps)."""

    def estimate(job, config, rates_: dict, gpus: int) -> Estimate:
        entry = rate(job, rates_)
        if not entry or not {"gpu_hours", "records"} <= entry.keys():
            return Estimate(None, gpus, "no rate: give this job's gpu_hours and records under cost_rates")
        found = size(job, config, entry)
        steps, per_step = epochs(job), batch(job, gpus)
        seen = steps[1] * per_step if steps[1] > 0 else found.count * steps[0]
        basis_seen = entry["records"] * entry.get("epochs", 1)
        hours = entry["gpu_hours"] * seen / basis_seen
        basis = f"{seen:,.0f} records seen ({found.count:,} from {found.source}) × {entry['gpu_hours']} GPU-hours"
        return Estimate(hours, gpus, f"{basis} per {basis_seen:,} [{entry['basis']}]")

    return estimate


def _tuning_records(job, config, entry) -> Size:
    from adamllm.workflow.targets import seed_files

    metadata = seed_files(config)["visionflan_metadata"]
    if Path(metadata).is_file():
        share = 1 - config["synthesizer_set"]["dev_ratio"]
        return Size(round(count_records(metadata) * share), f"{metadata} × {share:g} (train share)")
    return Size(entry["records"], "the paper's synthesizer set")


def _posttrain_records(job, config, entry) -> Size:
    pairs = domain_pairs(config, job.wildcards_dict["domain"])
    if pairs is None:
        return Size(entry["records"], "the paper's")
    return Size(pairs.count, f"one record per pair of {pairs.source}")


def _posttrain_batch(job, gpus: int) -> int:
    from adamllm.training.posttrain import PostTrainSettings, global_batch_size

    return global_batch_size(job.params["family"], PostTrainSettings(**job.params["settings"]), gpus)


def _tuning_batch(job, gpus: int) -> int:
    tuning = job.params["tuning"]
    return tuning["per_device_batch_size"] * tuning["gradient_accumulation_steps"] * gpus


EXPECTED_PAIRS = "state domains.{domain}.expected_pairs"
ESTIMATORS: dict[str, Callable] = {
    "synthesize": _per_second("pairs_per_gpu_second", "pairs", _shard_pairs, EXPECTED_PAIRS),
    "synthesizer_effect": _per_second("pairs_per_gpu_second", "pairs", _effect_pairs, EXPECTED_PAIRS),
    "consistency_filter": _per_second("pairs_per_gpu_second", "pairs at most", _shard_pairs, EXPECTED_PAIRS),
    "predict": _per_second(
        "rows_per_gpu_second", "benchmark rows", _prediction_rows, "state each hub benchmark's size in its definition"
    ),  # fmt: skip
    "tune_synthesizer": _training(
        _tuning_records,
        lambda job: (job.params["tuning"]["epochs"], job.params["tuning"]["max_steps"]),
        _tuning_batch,
        lambda job, rates_: rates_["tune_synthesizer"],
    ),
    "posttrain": _training(
        _posttrain_records,
        lambda job: (job.params["settings"]["epochs"], job.params["settings"]["max_steps"]),
        _posttrain_batch,
        lambda job, rates_: rates_["posttrain"].get(job.params["family"]),
    ),
}


def estimate(job, config: dict, gpus: int, rates_: dict | None = None) -> Estimate | None:
    """The estimate of a Snakemake job of the DAG (None for a rule that costs no GPU time)."""
    estimator = ESTIMATORS.get(job.rule.name)
    if estimator is None:
        return None
    return estimator(job, config, rates_ or rates(config.get("cost_rates")), gpus)


def measured_hours(benchmark_file) -> float | None:
    """Wall-clock hours Snakemake measured for a finished job (its benchmark TSV's ``s`` column)."""
    path = Path(benchmark_file) if benchmark_file else None
    if path is None or not path.is_file():
        return None
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return float(rows[-1]["s"]) / 3600 if rows and rows[-1].get("s") not in (None, "", "NA") else None
