"""How long building the paper DAG takes, and how much memory, at 64, 256 and 1,024 shards.

    .venv/bin/python benchmarks/dag_build.py [--shards 64 256 1024]

Each build is a fresh `snakemake -n` process on config/paper/biomed.yaml (offline); peak RSS is that
process's own (`wait4`). Every Snakemake process of a run pays this: the one you start and, on a cluster,
the one inside each job.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def build(shards: int) -> tuple[float, float]:
    """Seconds and peak RSS (MiB) of one dry run at ``shards`` shards."""
    command = [sys.executable, "-m", "snakemake", "-n", "-q", "--configfile", "config/paper/biomed.yaml",
               "--set-scatter", f"shard={shards}"]  # fmt: skip
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    start = time.monotonic()
    child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(child.pid, 0)
    if status != 0:
        raise SystemExit(f"snakemake -n at {shards} shards failed (status {status})")
    return time.monotonic() - start, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shards", type=int, nargs="+", default=[64, 256, 1024])
    args = parser.parse_args()
    print(f"{'shards':>7} {'seconds':>8} {'peak RSS MiB':>13}")
    for shards in args.shards:
        seconds, peak = build(shards)
        print(f"{shards:>7} {seconds:>8.1f} {peak:>13.0f}", flush=True)


if __name__ == "__main__":
    main()
