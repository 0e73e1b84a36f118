"""`adamllm status`: how far every long job of a DAG (synthesis shards, filter shards, predictions) has got,
read from the progress stores its chunks are kept in (adamllm.generation.progress) — while a run goes on, or after it
was interrupted; and for every GPU job, the GPU-hours estimated before the run (adamllm.workflow.estimates) beside
the time Snakemake measured once it finished (its benchmark file)."""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

from adamllm.generation.progress import status as store_status
from adamllm.workflow.estimates import ESTIMATORS, estimate, measured_hours, rates
from adamllm.workflow.plan import dag, job_gpus

LONG_RULES = ("tune_synthesizer", "synthesize", "synthesizer_effect", "consistency_filter", "posttrain", "predict")


def job_states(snakemake_args: list[str], directory=".") -> list[dict]:
    """Per long job: rule, wildcards, output, its state (done, in progress: items done of total and last
    update, or not started), its estimate and, once done, the hours Snakemake measured."""
    states = []
    with contextlib.chdir(directory):
        jobs, config = dag(snakemake_args)
        cost_rates = rates(config.get("cost_rates"))
        for job in jobs:
            if job.rule.name not in LONG_RULES:
                continue
            output = str(job.output[0])
            progress = store_status(output) if job.rule.name not in ("tune_synthesizer", "posttrain") else None
            if progress:
                state = "in progress"
            elif Path(output).exists():
                state = "done"
            else:
                state = "not started"
            gpus = job_gpus(dict(job.resources.items()))
            cost = estimate(job, config, gpus, cost_rates) if job.rule.name in ESTIMATORS else None
            measured = measured_hours(job.benchmark) if state == "done" else None
            states.append({"rule": job.rule.name, "wildcards": dict(job.wildcards_dict), "output": output,
                           "state": state, "progress": progress, "estimate": cost, "measured_hours": measured,
                           "gpus": gpus})  # fmt: skip
    order = list(LONG_RULES)
    return sorted(states, key=lambda s: (order.index(s["rule"]), s["output"]))


def render(states: list[dict], now: float | None = None) -> str:
    now = now or time.time()
    lines = []
    for item in states:
        where = " ".join(f"{k}={v}" for k, v in item["wildcards"].items())
        text = item["state"]
        if item["progress"]:
            p = item["progress"]
            share = 100 * p["done"] / p["total"] if p["total"] else 100.0
            ago = (now - p["updated"]) / 60 if p["updated"] else 0.0
            text = f"{p['done']}/{p['total']} items ({share:.0f}%), last chunk {ago:.0f} min ago"
        lines.append(f"{item['rule']:<20} {where:<45} {text}{_times(item)}")
    counts = {s: sum(item["state"] == s for item in states) for s in ("done", "in progress", "not started")}
    lines.append(f"{len(states)} long jobs: {counts['done']} done, {counts['in progress']} in progress, "
                 f"{counts['not started']} not started")  # fmt: skip
    return "\n".join(lines)


def _times(item: dict) -> str:
    """The estimate and, for a finished job, the measured wall time beside it (each also as GPU-hours, on the
    GPUs the job holds)."""
    cost, measured, gpus = item.get("estimate"), item.get("measured_hours"), item["gpus"]
    parts = []
    if cost and cost.gpu_hours is not None:
        parts.append(f"estimated {cost.wall_hours:.3g} h ({cost.gpu_hours:.3g} GPU-h)")
    if measured is not None:
        parts.append(f"measured {measured:.3g} h ({measured * gpus:.3g} GPU-h)")
    return f"  [{', '.join(parts)} on {gpus} GPU(s)]" if parts else ""


def main(snakemake_args: list[str], directory=".") -> int:
    with open(os.devnull, "w") as quiet, contextlib.redirect_stdout(quiet):
        states = job_states(snakemake_args, directory)
    print(render(states))
    return 0
