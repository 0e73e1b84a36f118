"""The demo through a real single-node Slurm (tests/slurm/cluster.py), with the installed site profile.

The run must go through sbatch (slurmctld's job records), survive a job that fails once (it is
cancelled while running; `retries:` resubmits it), and produce what a local run produces.
"""

import json
import os
import subprocess
import sys
import threading
import time

import pytest
from conftest import ROOT, copy_workflow
from slurm.cluster import Cluster, available

pytestmark = [pytest.mark.slow, pytest.mark.skipif(available() is not None, reason=f"no Slurm: {available()}")]
SMALL = ["--configfile", "config/config.yaml", "tests/slurm/demo-small.yaml"]
COMPARED = ["results/biomed/tasks.jsonl", "results/biomed/stats.json", "results/report/biomed_scores.csv",
            "results/biomed/scores/qwen2_vl_2b/single_stage/SLAKE.json"]  # fmt: skip


def run(args, cwd, env):
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", *args], cwd=cwd, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-8000:]
    return result.stdout + result.stderr


def cancel_first_running(cluster, rule, done):
    """Cancel the first running job of ``rule`` once: a failure the run must recover from."""
    while not done.is_set():
        listing = subprocess.run(["squeue", "-h", "-t", "R", "-o", "%i %k"], capture_output=True, text=True,
                                 env=cluster.env).stdout  # fmt: skip
        for line in listing.splitlines():
            job, _, comment = line.partition(" ")
            if f"rule_{rule}" in comment:
                subprocess.run(["scancel", job], env=cluster.env, check=False)
                return job
        time.sleep(0.5)


def test_demo_through_slurm_equals_local_run(tmp_path):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HOME": str(tmp_path / "home")}
    local, remote = tmp_path / "local", tmp_path / "slurm"
    copy_workflow(local)
    copy_workflow(remote)
    run(["--cores", "2", *SMALL], local, env)

    subprocess.run(["make", "-s", "slurm-profile"], cwd=remote, env=env, check=True)  # the documented install
    assert (tmp_path / "home" / ".config" / "snakemake" / "slurm" / "config.yaml").exists()
    cluster = Cluster(tmp_path / "cluster").start()
    stop = threading.Event()
    cancelled = []
    watcher = threading.Thread(target=lambda: cancelled.append(cancel_first_running(cluster, "synthesize", stop)))
    started = time.time()
    try:
        watcher.start()
        output = run(["--profile", "slurm", "--workflow-profile", "tests/slurm/workflow-profile",
                      "--default-resources", "slurm_partition=debug", "mem_mb=1000", "runtime=30",
                      "--slurm-status-command", "squeue", "--slurm-init-seconds-before-status-checks", "2", *SMALL],
                     remote, {**env, "SLURM_CONF": cluster.env["SLURM_CONF"]})  # fmt: skip
    finally:
        stop.set()
        watcher.join(timeout=10)
        cluster.stop()
    print(f"slurm run: {time.time() - started:.0f} s")
    jobs = cluster.completed_jobs()
    assert cancelled and cancelled[0] is not None, "no synthesize job was seen running"
    states = {job["JobId"]: job["JobState"] for job in jobs}
    assert states[cancelled[0]] == "CANCELLED"
    completed = [job for job in jobs if job["JobState"] == "COMPLETED"]
    assert len(completed) >= 10 and all(job["Partition"] == "debug" for job in completed)
    assert "Trying to restart job" in output or "retries" in output.lower() or len(jobs) > len(completed)
    for path in COMPARED:
        assert (remote / path).read_bytes() == (local / path).read_bytes(), path
    assert json.loads((remote / "results/biomed/stats.json").read_text())["pairs_in"] == 12


def test_per_node_launcher_runs_as_a_step_inside_a_job_step(tmp_path):
    """The multi-node path's srun (--overlap, one task per node) nested in the ``srun -n1`` step Snakemake
    runs a job in, on a real Slurm: it starts, gets the node's rank, the job's first host and its GPU."""
    cluster = Cluster(tmp_path / "cluster").start()
    out = tmp_path / "node.json"
    step = f"srun -n1 --cpu-bind=q {sys.executable} {ROOT / 'tests/slurm/nested_step.py'} {out}"
    try:
        sbatch = ["sbatch", "--wait", "-p", "debug", "--gres=gpu:1", "-o", str(tmp_path / "job.log"), "--wrap", step]
        result = subprocess.run(sbatch, env=cluster.env, capture_output=True, text=True, timeout=120, cwd=ROOT)
    finally:
        cluster.stop()
    log = (tmp_path / "job.log").read_text() if (tmp_path / "job.log").exists() else ""
    assert result.returncode == 0, result.stderr + log
    seen = json.loads(out.read_text())
    assert seen["NODE_RANK"] == seen["PET_NODE_RANK"] == seen["SLURM_NODEID"] == "0" and seen["NNODES"] == "1"
    assert seen["MASTER_ADDR"] == cluster.host and int(seen["MASTER_PORT"]) > 0
    assert seen["SLURM_STEP_ID"] == "1"  # a second step, beside Snakemake's
    assert seen["CUDA_VISIBLE_DEVICES"] == "0"  # it shares the job's (fake) GPU
