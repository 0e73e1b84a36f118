"""`adamllm status`: how far every long job of a DAG (synthesis shards, filter shards, predictions) has got,
read from the progress stores its chunks are kept in (adamllm.progress) — while a run goes on, or after it
was interrupted."""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

from adamllm.plan import dag_jobs
from adamllm.progress import status as store_status

LONG_RULES = ("synthesize", "synthesizer_effect", "consistency_filter", "predict")


def job_states(snakemake_args: list[str], directory=".") -> list[dict]:
    """Per long job: rule, wildcards, output, and its state: done, in progress (items done of total,
    last update) or not started."""
    states = []
    with contextlib.chdir(directory):
        for job in dag_jobs(snakemake_args):
            if job.rule.name not in LONG_RULES:
                continue
            output = str(job.output[0])
            progress = store_status(output)
            if progress:
                state = "in progress"
            elif Path(output).exists():
                state = "done"
            else:
                state = "not started"
            states.append({"rule": job.rule.name, "wildcards": dict(job.wildcards_dict), "output": output,
                           "state": state, "progress": progress})  # fmt: skip
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
        lines.append(f"{item['rule']:<20} {where:<45} {text}")
    counts = {s: sum(item["state"] == s for item in states) for s in ("done", "in progress", "not started")}
    lines.append(f"{len(states)} long jobs: {counts['done']} done, {counts['in progress']} in progress, "
                 f"{counts['not started']} not started")  # fmt: skip
    return "\n".join(lines)


def main(snakemake_args: list[str], directory=".") -> int:
    with open(os.devnull, "w") as quiet, contextlib.redirect_stdout(quiet):
        states = job_states(snakemake_args, directory)
    print(render(states))
    return 0
