"""How far the demo runs from starving: paired and kept tasks per domain, per tiny-model seed and float-kernel set.

    .venv/bin/python benchmarks/demo_margin.py [--seeds 0 1 2 3 4] [--kernels native default avx2] [--threads 1 2]

Each variation is a fresh copy of the workflow in which real Snakemake runs the demo's data stages (tiny models
built with `tiny_models.seed`, synthesizer tuning, synthesis, parse and pair, checker warm-up, consistency filter)
as on a CPU with only the kernel set's instructions (`KERNELS`: PyTorch's own kernels, MKL's and oneDNN's all
limited; `native`: whatever this CPU has) and every torch job given the thread count (Snakemake's
`--set-threads`, which sets the job's `OMP_NUM_THREADS`). It prints paired and kept of the bundled pairs per
domain; the demo's target is at least 8 of 12 paired and 6 of 12 kept in every cell (README, "The demo's
margin").
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOT_COPIED = shutil.ignore_patterns(
    ".venv*", "results", "resources", "logs", ".snakemake", ".git", "__pycache__", ".cache", ".pytest_cache"
)
DOMAINS = ("biomed", "food")
TARGET = {"paired": 8, "kept": 6}
# The instruction sets a kernel set limits PyTorch to: its own CPU kernels, MKL's BLAS and oneDNN's primitives.
KERNELS = {
    "native": {},
    "avx512": {
        "ATEN_CPU_CAPABILITY": "avx512",
        "MKL_ENABLE_INSTRUCTIONS": "AVX512",
        "ONEDNN_MAX_CPU_ISA": "AVX512_CORE",
    },
    "avx2": {"ATEN_CPU_CAPABILITY": "avx2", "MKL_ENABLE_INSTRUCTIONS": "AVX2", "ONEDNN_MAX_CPU_ISA": "AVX2"},
    "default": {"ATEN_CPU_CAPABILITY": "default", "MKL_ENABLE_INSTRUCTIONS": "SSE4_2", "ONEDNN_MAX_CPU_ISA": "SSE41"},
}
TORCH_RULES = ("build_tiny_model", "tune_synthesizer", "warm_up_checker", "synthesize", "consistency_filter")


def margin(workdir: Path, domains=DOMAINS) -> dict:
    """Pairs, paired and kept per domain, from the stats files a demo run wrote under ``workdir``."""
    counts = {}
    for domain in domains:
        results = workdir / "results" / domain
        pairs = json.loads((results / "pairs.stats.json").read_text())["out"]
        shards = results.glob("triplets/*.stats.json")
        paired = sum(json.loads(path.read_text())["counts"].get("paired", 0) for path in shards)
        kept = json.loads((results / "tasks.stats.json").read_text())["out"]
        counts[domain] = {"pairs": pairs, "paired": paired, "kept": kept}
    return counts


def run_variation(seed: int, kernels: str, threads: int, keep: Path | None = None) -> tuple[dict, float]:
    """The demo's data stages in a fresh copy of the workflow; (counts per domain, seconds)."""
    with tempfile.TemporaryDirectory(prefix="demo-margin-") as tmp:
        workdir = Path(tmp) / "repo"
        shutil.copytree(ROOT, workdir, ignore=NOT_COPIED)
        override = workdir / "margin.yaml"
        override.write_text(f"tiny_models:\n  seed: {seed}\n")
        env = {k: v for k, v in os.environ.items() if k not in KERNELS["default"]}
        env.update(HF_HUB_OFFLINE="1", **KERNELS[kernels])
        targets = [f"results/{domain}/tasks.stats.json" for domain in DOMAINS]
        command = [sys.executable, "-m", "snakemake", *targets, "--cores", "2", "--set-threads",
                   *(f"{rule}={threads}" for rule in TORCH_RULES), "--configfile", "config/config.yaml",
                   str(override)]  # fmt: skip
        start = time.monotonic()
        result = subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True)
        seconds = time.monotonic() - start
        if result.returncode != 0:
            raise SystemExit(f"seed {seed}, {kernels}, {threads} thread(s) failed:\n{result.stderr[-4000:]}")
        if keep:
            shutil.copytree(workdir / "results", keep / f"seed{seed}-{kernels}-t{threads}", dirs_exist_ok=True)
        return margin(workdir), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4], help="tiny_models.seed values")
    parser.add_argument("--kernels", nargs="+", choices=list(KERNELS), default=["native", "avx2", "default"],
                        help="instruction sets PyTorch may use; native: this CPU's (default: %(default)s)")  # fmt: skip
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="torch threads of every torch job")
    parser.add_argument("--keep", type=Path, help="copy each variation's results/ under this folder")
    args = parser.parse_args()
    print(f"{'seed':>4}  {'kernels':<8} {'threads':>7}  " + "  ".join(f"{d + ' paired/kept':>19}" for d in DOMAINS)
          + f"  {'seconds':>7}", flush=True)  # fmt: skip
    short = []
    for seed in args.seeds:
        for kernels in args.kernels:
            for threads in args.threads:
                counts, seconds = run_variation(seed, kernels, threads, args.keep)
                cells = []
                for domain in DOMAINS:
                    c = counts[domain]
                    cells.append(f"{c['paired']:>2}/{c['pairs']} {c['kept']:>2}/{c['pairs']}".rjust(19))
                    if c["paired"] < TARGET["paired"] or c["kept"] < TARGET["kept"]:
                        short.append((seed, kernels, threads, domain))
                print(f"{seed:>4}  {kernels:<8} {threads:>7}  " + "  ".join(cells) + f"  {seconds:>7.0f}", flush=True)
    print(f"target: at least {TARGET['paired']} paired and {TARGET['kept']} kept per domain; "
          + ("every cell meets it" if not short else f"{len(short)} cell(s) short: {short}"))  # fmt: skip
    sys.exit(1 if short else 0)


if __name__ == "__main__":
    main()
