"""A third domain by configuration alone: drawn aerial scenes (data_samples/remote_sensing/) and two benchmarks
defined in YAML beside them (open/closed VQA in their own field names; multiple choice over a class list),
run end to end by real Snakemake to scores and the report, with no Python edited — the README's
walkthrough "Your own domain"."""

import json
import os
import subprocess
import sys
import time

import pandas as pd
import pytest
import yaml
from conftest import copy_workflow

pytestmark = pytest.mark.slow
CONFIGS = ["--configfile", "config/config.yaml", "config/examples/remote_sensing.yaml", "smaller.yaml"]
# Scale only, to keep the test short: one target, the single-stage recipe, a shorter synthesizer tuning.
SMALLER = {"run_targets": ["qwen2_vl_2b"], "posttrain": {"recipes": ["single_stage"]},
           "synthesizer": {"untuned_check_pairs": 0, "tuning": {"max_steps": 300}}}  # fmt: skip


def run(workdir, *command):
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-m", *command], cwd=workdir, env=env, capture_output=True, text=True)


@pytest.fixture(scope="module")
def own_domain(tmp_path_factory):
    workdir = copy_workflow(tmp_path_factory.mktemp("own_domain") / "repo")
    (workdir / "smaller.yaml").write_text(yaml.safe_dump(SMALLER))
    start = time.monotonic()
    result = run(workdir, "snakemake", "--cores", "2", *CONFIGS)
    assert result.returncode == 0, result.stderr[-6000:]
    print(f"third-domain run: {time.monotonic() - start:.0f} s")
    return workdir


def test_third_domain_runs_to_scores_and_a_report_without_paper_numbers(own_domain):
    results = own_domain / "results"
    for variant in ("base", "single_stage"):
        scores = results / "remote_sensing" / "scores" / "qwen2_vl_2b" / variant
        vqa = json.loads((scores / "AerialVQA.json").read_text())
        assert vqa["test_num"] == 18 and {"open_recall", "closed_accuracy"} <= vqa.keys()
        scenes = json.loads((scores / "AerialScenes.json").read_text())
        assert scenes["test_num"] == 12 and 0 <= scenes["accuracy"] <= 100
        assert (scores / "AerialScenes.manifest.json").exists()
    stats = json.loads((results / "remote_sensing" / "stats.json").read_text())
    assert stats["pairs_in"] == 12 and stats["records"]["single_stage"] == 12
    frame = pd.read_csv(results / "report" / "remote_sensing_scores.csv")
    assert {"AerialVQA open", "AerialVQA closed", "AerialScenes", "AerialScenes rows"} <= set(frame.columns)
    assert frame["AerialScenes (paper)"].isna().all()  # the paper has no numbers for this domain
    assert (results / "report" / "remote_sensing_radar.png").read_bytes()[:4] == b"\x89PNG"
    assert "AerialScenes" in (results / "report" / "remote_sensing_overview.html").read_text()


def test_plan_and_audit_work_for_the_third_domain(own_domain):
    plan = run(own_domain, "adamllm.cli", "plan", "--json", "--", *CONFIGS)
    assert plan.returncode == 0, plan.stderr[-3000:]
    predict = [json.loads(line) for line in plan.stdout.splitlines() if '"rule": "predict"' in line]
    assert {j["wildcards"]["variant"] for j in predict} == {"base", "single_stage"}
    assert predict[0]["args"]["max_new_tokens"] == {"AerialVQA": 12, "AerialScenes": 12}  # the demo caps at 12
    audit = run(own_domain, "adamllm.cli", "audit", "--", *CONFIGS)
    assert audit.returncode == 0, audit.stdout + audit.stderr
    assert "Stale outputs: 0" in audit.stdout and "4 checked, 0 not matching" in audit.stdout
