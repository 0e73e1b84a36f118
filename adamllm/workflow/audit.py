"""``adamllm audit``: which outputs Snakemake would make again and why, and whether scores still match
the inputs their manifests recorded."""

from __future__ import annotations

import csv
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from adamllm.core.provenance import MANIFEST_SUFFIX, verify_manifest

FRESH_PLAN = "no update"


@dataclass(frozen=True)
class Stale:
    output: str
    rule: str
    reason: str


def snakemake_summary(workdir, snakemake_args=()) -> list[dict]:
    """Rows of ``snakemake --summary`` (output_file, date, rule, log-file(s), status, plan)."""
    command = [sys.executable, "-m", "snakemake", "--summary", *snakemake_args]
    result = subprocess.run(command, cwd=workdir, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"snakemake --summary failed:\n{result.stderr[-3000:]}")
    lines = result.stdout.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("output_file\t")), None)
    if start is None:
        raise RuntimeError(f"snakemake --summary printed no table:\n{result.stdout[-2000:]}")
    return list(csv.DictReader(lines[start:], delimiter="\t"))


def stale_outputs(rows: list[dict]) -> list[Stale]:
    """Outputs Snakemake plans to make again, with its own reason (its status column); an output whose
    own status is ok is stale because something upstream will be made again."""
    return [
        Stale(row["output_file"], row["rule"], row["status"] if row["status"] != "ok" else "an input will be remade")
        for row in rows
        if row["plan"] != FRESH_PLAN
    ]


def manifests(workdir) -> list[Path]:
    return sorted((Path(workdir) / "results").rglob(f"*{MANIFEST_SUFFIX}"))


def audit(workdir=".", snakemake_args=(), out=sys.stdout) -> int:
    """Print stale outputs and manifest mismatches; 0 when everything is up to date and verified, 1 when
    not, 2 when Snakemake could not say (a config error, say: its message is printed)."""
    try:
        stale = stale_outputs(snakemake_summary(workdir, snakemake_args))
    except RuntimeError as err:
        print(f"adamllm audit: {err}", file=sys.stderr)
        return 2
    print(f"Stale outputs: {len(stale)}", file=out)
    for item in stale:
        print(f"  {item.output}\t{item.rule}\t{item.reason}", file=out)
    found = manifests(workdir)
    failures = {path: verify_manifest(path, workdir) for path in found}
    failures = {path: problems for path, problems in failures.items() if problems}
    print(f"Score manifests: {len(found)} checked, {len(failures)} not matching", file=out)
    for path, problems in failures.items():
        print(f"  {path.relative_to(workdir)}", file=out)
        for problem in problems:
            print(f"    {problem}", file=out)
    return 1 if stale or failures or not found else 0
