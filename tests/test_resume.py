"""Long jobs resume: a synthesis job and a prediction job SIGKILLed in the middle (real Snakemake, the real
transformers backend on tiny models), rerun with --rerun-incomplete, recompute at most one chunk and write
exactly the bytes an uninterrupted run writes; changed settings never reuse stale progress."""

import os
import re
import signal
import subprocess
import sys
import time

import pytest
import yaml
from conftest import copy_workflow

from adamllm.generation.progress import store_path

pytestmark = pytest.mark.slow
# Random tiny models write until their token limit: slow enough, per item, to be killed in the middle.
SETTINGS = {
    "run_domains": ["biomed"],
    "run_targets": ["qwen2_vl_2b"],
    "chunk_size": 1,
    "synthesizer": {"source": "pretrained", "pretrained": "tiny:llava_next_synthesizer"},
    "synthesis": {"shards": 1, "max_new_tokens": 256},
    "posttrain": {"recipes": ["single_stage"]},
    "evaluation": {"max_new_tokens_cap": 160},
}
JOBS = {
    "synthesize": ("results/biomed/synthesized/1-of-1.jsonl", "logs/biomed/synthesize/1-of-1.log"),
    "predict": ("results/biomed/predictions/qwen2_vl_2b/base", "logs/biomed/predict/qwen2_vl_2b/base.log"),
}


def snakemake(workdir, *args, configs=("resume.yaml",), **options):
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    command = [sys.executable, "-m", "snakemake", "--cores", "1", *args, "--configfile", "config/config.yaml", *configs]
    return subprocess.Popen(command, cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, **options)  # fmt: skip


def finish(process) -> str:
    output, _ = process.communicate(timeout=900)
    assert process.returncode == 0, output[-4000:]
    return output


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    workdir = copy_workflow(tmp_path_factory.mktemp("resume") / "repo")
    (workdir / "resume.yaml").write_text(yaml.safe_dump(SETTINGS))
    # What the two jobs start from: the pairs' shard and the tiny models.
    finish(snakemake(workdir, "results/biomed/shards/1-of-1.jsonl", "resources/models/tiny/llava_next_synthesizer",
                     "resources/models/tiny/qwen2_vl"))  # fmt: skip
    return workdir


def kill_in_the_middle(workdir, output: str, chunks: int = 3, *extra) -> int:
    """Run the job for ``output``; SIGKILL Snakemake and the job (their whole process group) once its
    progress store holds ``chunks`` finished chunks. Returns the chunks stored at the kill."""
    store = workdir / store_path(output)
    process = snakemake(workdir, output, *extra, start_new_session=True)
    deadline = time.monotonic() + 600
    while len(list(store.glob("chunk-*.jsonl"))) < chunks:
        assert process.poll() is None, "the job ended before it could be killed: " + process.stdout.read()[-3000:]
        assert time.monotonic() < deadline
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    finish(snakemake(workdir, "--unlock"))  # a killed Snakemake leaves its lock behind
    return len(list(store.glob("chunk-*.jsonl")))


def chunk_lines(log: str, word: str) -> list[int]:
    return [int(n) for n in re.findall(rf"chunk (\d+) {word}", log)]


def read_output(path):
    return {p.name: p.read_bytes() for p in sorted(path.iterdir())} if path.is_dir() else path.read_bytes()


@pytest.mark.parametrize("job", list(JOBS))
def test_killed_job_resumes_and_writes_what_an_uninterrupted_run_writes(workdir, job):
    output, log = JOBS[job]
    stored = kill_in_the_middle(workdir, output)
    first_log = (workdir / log).read_text()
    assert re.search(r"\d+/\d+ items \(\d+\.\d%\), [\d.]+ items/s, about \S+ left", first_log)
    status = subprocess.run([sys.executable, "-m", "adamllm.cli", "status", "--", "--configfile", "config/config.yaml",
                             "resume.yaml"], cwd=workdir, capture_output=True, text=True)  # fmt: skip
    assert status.returncode == 0, status.stderr[-2000:]
    line = next(x for x in status.stdout.splitlines() if x.startswith(job + " "))
    assert re.search(rf"{stored}/\d+ items \(\d+%\)", line), status.stdout
    assert "1 in progress" in status.stdout.splitlines()[-1]
    finish(snakemake(workdir, output, "--rerun-incomplete"))
    second_log = (workdir / log).read_text()
    restored, computed = chunk_lines(second_log, "restored"), chunk_lines(second_log, "computed")
    total = len(restored) + len(computed)
    assert sorted(restored + computed) == list(range(total))
    assert len(restored) == stored >= 3  # every finished chunk was reused…
    assert len(chunk_lines(first_log, "computed")) + len(computed) <= total + 1  # …at most one done twice
    assert not (workdir / store_path(output)).exists()  # success removes the store
    resumed = read_output(workdir / output)
    # An uninterrupted run of the same job, from scratch.
    finish(snakemake(workdir, output, "--forcerun", job))
    assert chunk_lines((workdir / log).read_text(), "restored") == []
    assert read_output(workdir / output) == resumed


def test_changed_settings_never_reuse_stale_progress(workdir):
    output, log = JOBS["synthesize"]
    kill_in_the_middle(workdir, output, 2, "--forcerun", "synthesize")
    (workdir / "changed.yaml").write_text(yaml.safe_dump({"synthesis": {"max_new_tokens": 200}}))
    finish(snakemake(workdir, output, "--rerun-incomplete", configs=("resume.yaml", "changed.yaml")))
    text = (workdir / log).read_text()
    assert "discarding stale progress" in text
    assert chunk_lines(text, "restored") == [] and chunk_lines(text, "computed")
    assert not (workdir / store_path(output)).exists()
