"""Crash safety: the demo killed with SIGKILL at random moments, then resumed with --rerun-incomplete.

Every kill takes down Snakemake and its running jobs at once (the whole process group), as a lost
node or an out-of-memory kill would. After each kill the next run unlocks and resumes. The test checks
that the run completes, that no output finished before a kill is made again (its bytes and mtime are
untouched), and that the final results equal those of an uninterrupted run, byte for byte.
"""

import base64
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import copy_workflow

from adamllm.core.provenance import RUN_SUMMARIES

pytestmark = pytest.mark.slow
TRIALS = 10
CONFIG = ["--configfile", "config/config.yaml", "tests/slurm/demo-small.yaml", "tests/crash/crash.yaml"]
SEED = int(os.environ.get("ADAMLLM_CRASH_SEED", "2026"))


def snakemake(workdir, *args, check=True):
    command = [sys.executable, "-m", "snakemake", "--cores", "2", "--rerun-incomplete", *CONFIG, *args]
    result = subprocess.run(command, cwd=workdir, capture_output=True, text=True)
    if check:
        assert result.returncode == 0, result.stderr[-6000:]
    return result


def incomplete(workdir) -> list[Path]:
    """Outputs Snakemake has marked as started but not finished (its .snakemake/incomplete markers)."""
    folder = workdir / ".snakemake" / "incomplete"
    marked = []
    for marker in folder.iterdir() if folder.exists() else []:
        try:
            marked.append(Path(base64.urlsafe_b64decode(marker.name).decode()))
        except ValueError:
            continue  # not a marker (Snakemake's own bookkeeping)
    return marked


def finished_outputs(workdir) -> dict[str, tuple[int, bytes]]:
    """Output files that exist and belong to no unfinished job, with their mtime and bytes."""
    unfinished = [workdir / p if not p.is_absolute() else p for p in incomplete(workdir)]
    finished = {}
    for top in ("results", "resources"):
        for path in (workdir / top).rglob("*") if (workdir / top).exists() else []:
            relative = path.relative_to(workdir).as_posix()
            if not path.is_file() or relative.startswith("results/benchmarks/") or ".partial" in relative:
                continue
            if any(part.endswith(".progress") for part in path.relative_to(workdir).parts):
                continue  # a long job's progress store: scratch kept until it succeeds (adamllm.generation.progress)
            if path.name.startswith(".") and path.name.endswith(".tmp"):
                continue  # an atomic write under way
            if any(path == u or u in path.parents for u in unfinished):
                continue
            finished[relative] = (path.stat().st_mtime_ns, path.read_bytes())
    return finished


def kill_at_random(workdir, delay: float, log: Path) -> int:
    """Start the run, SIGKILL its whole process group after ``delay`` seconds; the exit code if it ended first."""
    command = [sys.executable, "-m", "snakemake", "--cores", "2", "--rerun-incomplete", *CONFIG]
    with open(log, "w") as output:
        process = subprocess.Popen(command, cwd=workdir, stdout=output, stderr=subprocess.STDOUT,
                                   start_new_session=True)  # fmt: skip
        try:
            return process.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            return -signal.SIGKILL


def test_sigkill_at_random_points_then_resume(tmp_path):
    reference, crashed = tmp_path / "reference", tmp_path / "crashed"
    copy_workflow(reference)
    copy_workflow(crashed)
    started = time.time()
    snakemake(reference)
    uninterrupted = time.time() - started
    rng = random.Random(SEED)
    seen: dict[str, tuple[int, bytes]] = {}
    kills = 0
    for trial in range(TRIALS):
        snakemake(crashed, "--unlock")
        log = tmp_path / f"trial-{trial}.log"
        code = kill_at_random(crashed, rng.uniform(1.0, min(15.0, uninterrupted)), log)
        kills += code == -signal.SIGKILL
        failed = f"a resumed run failed on its own (seed {SEED}):\n{log.read_text()[-3000:]}"
        assert code in (0, -signal.SIGKILL), failed
        now = finished_outputs(crashed)
        for path, (mtime, data) in seen.items():  # finished before an earlier kill: never made again
            assert path in now and now[path] == (mtime, data), f"{path} was made again (seed {SEED})"
        seen = now
    snakemake(crashed, "--unlock")
    snakemake(crashed)
    final = finished_outputs(crashed)
    for path, (mtime, data) in seen.items():
        assert final[path] == (mtime, data), f"{path} was made again after the last kill (seed {SEED})"
    assert kills >= TRIALS // 2, f"only {kills} runs were still going when killed (seed {SEED})"
    shards = [p for p in seen if re.search(r"/(shards|synthesized|triplets|judged)/", p)]
    print(f"{kills} kills; {len(seen)} outputs ({len(shards)} shard files) finished before the last kill, kept")
    expected = {p: data for p, (_, data) in finished_outputs(reference).items()}
    assert sorted(final) == sorted(expected)
    # LLaMA-Factory's run summaries hold timings: they differ between any two runs (see test_workflow).
    differing = [p for p in expected if final[p][1] != expected[p] and Path(p).name not in RUN_SUMMARIES]
    assert not differing, f"differ from an uninterrupted run: {differing} (seed {SEED})"
