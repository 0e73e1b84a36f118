"""`adamllm plan` and the config layering behind it: a paper run gets the paper's settings, and nothing of
the demo config, whatever the demo holds."""

import json
import math
import os
import subprocess
import sys

import pytest
import yaml
from conftest import ROOT, copy_workflow

PAPER_CONFIGS = ["config/paper/biomed.yaml", "config/paper/food.yaml", "config/paper/audit-released.yaml"]
TRAINING_AND_GENERATION = {"tune_synthesizer", "synthesize", "synthesizer_effect", "consistency_filter", "posttrain",
                           "predict"}  # fmt: skip


def plan(workdir, *snakemake_args, flags=("--json",)):
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    command = [sys.executable, "-m", "adamllm.cli", "plan", *flags, "--", *snakemake_args]
    return subprocess.run(command, cwd=workdir, capture_output=True, text=True, env=env)


def jobs(result):
    assert result.returncode == 0, result.stderr[-3000:]
    return [json.loads(line) for line in result.stdout.splitlines()]


@pytest.fixture(scope="module")
def paper_plans():
    return {name: plan(ROOT, "--configfile", name) for name in PAPER_CONFIGS}


# Where the reference's commands differ from Table 10 (SPEC, "What the authors' commands actually ran"): the
# vision tower frozen and images capped at 512·512 for the LLaMA-Factory-trained families, Llama-3.2 at 1e-5.
OTHER_READING = {
    ("qwen2_vl", "freeze_vision_tower"), ("qwen2_vl", "vision_learning_rate"), ("qwen2_vl", "image_max_pixels"),
    ("mllama", "freeze_vision_tower"), ("mllama", "vision_learning_rate"), ("mllama", "image_max_pixels"),
    ("mllama", "learning_rate"),
}  # fmt: skip


def summary(stdout: str) -> dict:
    """The plan's last lines: reading → the text after its colon."""
    lines = [line for line in stdout.splitlines() if line.startswith("against ")]
    return {line.split()[1]: line.split(": ", 1)[1] for line in lines}


def listed(text: str) -> set:
    """(family, setting) pairs of a summary line's 'posttrain.<setting> [family, family]' items."""
    pairs = set()
    for item in text.split(": ", 1)[1].split("; "):
        name, families = item.split(" [")
        pairs |= {(family, name.split(".")[1]) for family in families.rstrip("]").split(", ")}
    return pairs


@pytest.mark.parametrize("name", ["config/paper/biomed.yaml", "config/paper/food.yaml"])
def test_paper_configs_plan_the_paper_exactly(name, paper_plans):
    planned = jobs(paper_plans[name])
    by_rule = {}
    for job in planned:
        assert set(job) == {
            "rule",
            "wildcards",
            "family",
            "args",
            "reading",
            "readings",
            "estimate",
            "own_defaults",
            "memory",
        }
        assert job["reading"] == "paper"
        by_rule.setdefault(job["rule"], []).append(job)
    assert set(by_rule) == TRAINING_AND_GENERATION
    assert len(by_rule["synthesize"]) == len(by_rule["consistency_filter"]) == 64
    table = plan(ROOT, "--configfile", name, flags=("--strict",))
    assert table.returncode == 0, table.stdout[-3000:]
    assert summary(table.stdout)["paper"] == "0 deviations"
    assert listed(summary(table.stdout)["reference_code"]) == OTHER_READING
    assert "≠" not in table.stdout


def test_plan_against_the_reference_code_marks_both_readings(paper_plans):
    """Held against reference_code, a paper run's differing values are marked with both readings' values, and
    --strict fails; the JSON carries both readings."""
    table = plan(ROOT, "--configfile", "config/paper/biomed.yaml", flags=("--strict", "--against", "reference_code"))
    assert table.returncode == 1
    assert listed(summary(table.stdout)["reference_code"]) == OTHER_READING
    assert summary(table.stdout)["paper"] == "0 deviations"
    assert "  learning_rate                 5e-06   ≠ reference_code: 1e-05 · paper: 5e-06" in table.stdout
    post = {j["family"]: j for j in jobs(paper_plans["config/paper/biomed.yaml"]) if j["rule"] == "posttrain"}
    assert post["mllama"]["readings"]["reference_code"]["learning_rate"] == 1e-5
    assert post["mllama"]["readings"]["paper"]["learning_rate"] == 5e-6


def test_selecting_the_reference_code_reading():
    """One setting switches a paper run to what the reference's commands ran; it then deviates from nothing
    in that reading, and LLaMA-Factory gets the frozen vision tower and the 512·512 cap."""
    select = ["--config", 'posttrain={"settings": {"reading": "reference_code"}}']
    planned = jobs(plan(ROOT, "--configfile", "config/paper/biomed.yaml", *select))
    post = {j["family"]: j["args"] for j in planned if j["rule"] == "posttrain"}
    for family in ("qwen2_vl", "mllama"):
        assert (post[family]["freeze_vision_tower"], post[family]["image_max_pixels"]) == (True, 512 * 512)
    assert post["mllama"]["learning_rate"] == 1e-5
    llava = post["llava_next_llama3"]
    assert (llava["learning_rate"], llava["vision_learning_rate"], llava["freeze_vision_tower"]) == (2e-5, 2e-6, False)
    assert {j["reading"] for j in planned} == {"reference_code"}
    table = plan(ROOT, "--configfile", "config/paper/biomed.yaml", *select, flags=("--strict",))
    assert table.returncode == 0, table.stdout[-3000:]
    assert summary(table.stdout)["reference_code"] == "0 deviations"
    assert listed(summary(table.stdout)["paper"]) == OTHER_READING


def test_paper_values_in_the_plan(paper_plans):
    """Spot checks against the paper's text (Tables 9 and 10, evaluation protocol), independent of the
    reference table the plan compares with."""
    planned = jobs(paper_plans["config/paper/biomed.yaml"])
    post = {j["family"]: j["args"] for j in planned if j["rule"] == "posttrain"}
    assert {f: (a["learning_rate"], a["vision_learning_rate"]) for f, a in post.items()} == {
        "qwen2_vl": (1e-5, 1e-5), "llava_next_llama3": (2e-5, 2e-6), "mllama": (5e-6, 5e-6)}  # fmt: skip
    assert {a["global_batch_size"] for a in post.values()} == {128}
    assert {(a["num_train_epochs"], a["cutoff_len"], a["lr_scheduler_type"], a["bf16"]) for a in post.values()} == {
        (1, 6144, "cosine", True)}  # fmt: skip
    assert post["llava_next_llama3"]["freeze_vision_tower"] is False
    (tune,) = [j["args"] for j in planned if j["rule"] == "tune_synthesizer"]
    assert (tune["learning_rate"], tune["vision_learning_rate"], tune["num_train_epochs"], tune["global_batch_size"],
            tune["max_length"], tune["train_instructions"]) == (2e-5, 2e-6, 2, 128, 6144, True)  # fmt: skip
    synth = next(j["args"] for j in planned if j["rule"] == "synthesize")
    assert (synth["max_new_tokens"], synth["stop"], synth["max_model_len"], synth["skip_special_tokens"]) == (
        512, ["<|end_of_text|>"], 4096, False)  # fmt: skip
    predict = {j["family"]: j["args"] for j in planned if j["rule"] == "predict"}
    assert {a["max_model_len"] for a in predict.values()} == {6144}
    assert predict["qwen2_vl"]["system_message"] == "You are a helpful assistant."
    assert (predict["qwen2_vl"]["min_pixels"], predict["qwen2_vl"]["max_pixels"]) == (224 * 224, 1280 * 28 * 28)
    for family in ("llava_next_llama3", "mllama"):
        assert set(predict[family]["stop"]) == {"<|eot_id|>", "<|end_of_text|>"}
    food = [j["args"] for j in jobs(paper_plans["config/paper/food.yaml"]) if j["rule"] == "predict"]
    assert {json.dumps(a["max_new_tokens"], sort_keys=True) for a in food} == {
        json.dumps({"Recipe1M": 1024, "Nutrition5K": 256, "Food101": 256, "FoodSeg103": 256}, sort_keys=True)
    }


def test_gpu_hours_before_the_run_follow_the_papers_rates_by_hand(paper_plans):
    """The biomed paper run's estimates, worked by hand from the paper's figures (SPEC, "Where users are in
    2026"): 500,000 stated pairs at 2.2 pairs/s per A100; post-training as Table 10's hours on 8×A100 for the
    ~500K-record PMC set; synthesizer tuning 13 h on 8×A100; evaluation rows at the stated 20 rows/s."""
    planned = jobs(paper_plans["config/paper/biomed.yaml"])

    def total(rule):
        return sum(j["estimate"]["gpu_hours"] for j in planned if j["rule"] == rule)

    shard = math.ceil(500_000 / 64)  # the largest of 64 shards, for each
    assert total("synthesize") == pytest.approx(64 * shard / 2.2 / 3600) == pytest.approx(63.1, abs=0.05)
    assert total("consistency_filter") == pytest.approx(total("synthesize"))
    post = {j["family"]: j["estimate"] for j in planned if j["rule"] == "posttrain"}
    assert {f: e["gpu_hours"] for f, e in post.items()} == pytest.approx(
        {"qwen2_vl": 4 * 8, "llava_next_llama3": 23 * 8, "mllama": 31 * 8})  # fmt: skip
    assert {f: (e["wall_hours"], e["gpus"]) for f, e in post.items()} == {
        "qwen2_vl": (4, 8), "llava_next_llama3": (23, 8), "mllama": (31, 8)}  # fmt: skip
    assert total("tune_synthesizer") == pytest.approx(13 * 8)
    rows = 645 + 416 + 3357 + 3362 + 179 + 272 + 2000  # the biomed test sets (SPEC)
    predict = [j["estimate"]["gpu_hours"] for j in planned if j["rule"] == "predict"]
    assert len(predict) == 6 and predict == pytest.approx([rows / 20 / 3600] * 6)  # 3 targets: base, trained
    text = plan(ROOT, "--configfile", "config/paper/biomed.yaml", flags=()).stdout
    assert "≈ 32.0 GPU-hours (estimate), 4.0 h wall on 8 GPUs" in text  # Qwen2-VL's post-training
    assert "Estimated GPU-hours before the run" in text


def test_a_corrected_rate_changes_the_estimate_and_says_so(tmp_path):
    (tmp_path / "rates.yaml").write_text("cost_rates:\n  synthesize:\n    pairs_per_gpu_second: 4.4\n")
    planned = jobs(plan(ROOT, "--configfile", "config/paper/biomed.yaml", str(tmp_path / "rates.yaml")))
    synth = [j["estimate"] for j in planned if j["rule"] == "synthesize"]
    assert sum(e["gpu_hours"] for e in synth) == pytest.approx(64 * math.ceil(500_000 / 64) / 4.4 / 3600)
    assert all("set in the config's cost_rates" in e["basis"] for e in synth)


def test_audit_of_released_models_trains_nothing(paper_plans):
    planned = jobs(paper_plans["config/paper/audit-released.yaml"])
    assert {j["rule"] for j in planned} == {"predict"}
    keys = sorted((j["wildcards"]["domain"], j["wildcards"]["target"], j["wildcards"]["variant"]) for j in planned)
    targets = ["llava_next_8b", "mllama_11b", "qwen2_vl_2b"]
    assert keys == sorted((d, t, v) for d in ("biomed", "food") for t in targets for v in ("base", "released"))
    models = {j["args"]["model"] for j in planned if j["wildcards"]["variant"] == "released"}
    assert models == {
        f"AdaptLLM/{d}-{m}"
        for d in ("biomed", "food")
        for m in ("Qwen2-VL-2B-Instruct", "LLaVA-NeXT-Llama3-8B", "Llama-3.2-11B-Vision-Instruct")
    }


def test_demo_deviations_are_marked_with_the_papers_value():
    table = plan(ROOT, flags=("--strict",))
    assert table.returncode == 1  # the demo's tiny settings differ from the paper
    marked = {x.split()[1]: x.split("≠ paper: ")[1].split()[0] for x in table.stdout.splitlines()
              if x.startswith("  learning_rate ")}  # fmt: skip
    assert marked["0.002"] == "2e-05"  # the synthesizer's tuning (Table 9)
    assert {marked["0.001"]} <= {"1e-05", "2e-05", "5e-06"}  # post-training (Table 10)
    assert "settings differ" in summary(table.stdout)["paper"]


def absurd(value):
    """A value no paper setting could have, of the same shape."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value * 1000 + 7
    if isinstance(value, float):
        return value * 1000 + 0.5
    if isinstance(value, str):
        return f"absurd-{value}"
    if isinstance(value, list):
        return [absurd(v) for v in value] or ["absurd"]
    if isinstance(value, dict):
        return {k: absurd(v) for k, v in value.items()}
    return "absurd"


def test_no_demo_value_reaches_a_paper_job(tmp_path):
    """The property behind config layering: every demo value (tiny models, steps, learning rates, caps,
    warm-up, shards…) set absurd, and no paper job's effective arguments change."""
    workdir = copy_workflow(tmp_path / "repo")
    demo = workdir / "config" / "config.yaml"
    original = yaml.safe_load(demo.read_text())
    before = {name: jobs(plan(workdir, "--configfile", name)) for name in PAPER_CONFIGS}
    demo_before = plan(workdir)
    demo.write_text(yaml.safe_dump({**absurd(original), "run_domains": original["run_domains"]}))
    demo_after = plan(workdir)
    assert demo_after.returncode != 0 or demo_after.stdout != demo_before.stdout  # a bare run reads the absurd demo
    for name in PAPER_CONFIGS:
        assert jobs(plan(workdir, "--configfile", name)) == before[name], name


def test_a_job_with_max_steps_is_estimated_at_the_steps_it_runs():
    """The demo's tuning runs max_steps steps (the trainer then ignores epochs): records seen = steps × the
    global batch, against Table 9's 104 GPU-hours for 2 epochs over ~167K samples."""
    (tune,) = [j for j in jobs(plan(ROOT)) if j["rule"] == "tune_synthesizer"]
    seen = tune["args"]["max_steps"] * tune["args"]["global_batch_size"]
    assert tune["estimate"]["gpu_hours"] == pytest.approx(104 * seen / (167_000 * 2))


def test_jobs_held_to_different_readings_are_counted_against_their_own():
    from adamllm.workflow.plan import PlannedJob, render

    readings = {"paper": {"learning_rate": 5e-6}, "reference_code": {"learning_rate": 1e-5}}
    planned = [
        PlannedJob("posttrain", {"target": target}, "mllama", {"learning_rate": rate}, readings, reading)
        for target, rate, reading in (("a", 5e-6, "paper"), ("b", 1e-5, "reference_code"))
    ]
    lines = [line for line in render(planned).splitlines() if line.startswith("against ")]
    assert sorted(lines) == [
        "against paper (held against): 0 deviations",
        "against paper (the other reading): 1 settings differ: posttrain.learning_rate [mllama]",
        "against reference_code (held against): 0 deviations",
        "against reference_code (the other reading): 1 settings differ: posttrain.learning_rate [mllama]",
    ]


def test_a_vision_rate_given_trains_the_tower_the_reading_froze():
    from adamllm.training.posttrain import PostTrainSettings, family_values

    frozen = family_values("qwen2_vl", PostTrainSettings(reading="reference_code"))
    assert (frozen["freeze_vision_tower"], frozen["vision_learning_rate"]) == (True, None)
    given = family_values("qwen2_vl", PostTrainSettings(reading="reference_code", vision_learning_rate=2e-6))
    assert (given["freeze_vision_tower"], given["vision_learning_rate"]) == (False, 2e-6)
    both = PostTrainSettings(reading="reference_code", vision_learning_rate=2e-6, freeze_vision_tower=True)
    assert family_values("qwen2_vl", both)["vision_learning_rate"] is None
    unfrozen = family_values("mllama", PostTrainSettings(reading="reference_code", freeze_vision_tower=False))
    assert unfrozen["vision_learning_rate"] == 1e-5  # the LLM's rate: the reading has none for the tower


def test_a_newer_family_says_it_has_no_paper_value():
    """Qwen2.5-VL (config/examples/new_families.yaml): the paper trained none, so its post-training jobs are held
    to no family value of either reading and say where theirs come from (SPEC, "Where users are in 2026")."""
    example = ("--configfile", "config/config.yaml", "config/examples/new_families.yaml")
    planned = [job for job in jobs(plan(ROOT, *example)) if job["rule"] == "posttrain"]
    assert planned and {job["family"] for job in planned} == {"qwen2_5_vl", "qwen3_vl", "internvl"}
    for job in planned:
        assert job["own_defaults"].startswith("no paper value")
        for values in job["readings"].values():
            assert not {"learning_rate", "template", "freeze_vision_tower"} & values.keys()
    table = plan(ROOT, *example, flags=()).stdout
    assert all(f"  {family}: no paper value" in table for family in ("qwen2_5_vl", "qwen3_vl", "internvl"))
    assert "posttrain.learning_rate" not in table.splitlines()[-2] + table.splitlines()[-1]


def test_config_schema_names_every_target_family():
    """The config schema's family names are the registry's post-training targets, no more, no fewer."""
    from adamllm.models.families import FAMILIES

    schema = yaml.safe_load((ROOT / "config" / "schema.yaml").read_text())
    targets = {name for name, family in FAMILIES.items() if family.readings or family.defaults}
    named = schema["properties"]["targets"]["additionalProperties"]["properties"]["family"]["enum"]
    assert set(named) == targets
    assert set(schema["properties"]["posttrain"]["properties"]["families"]["properties"]) == targets


def test_every_target_family_has_a_post_training_rate_with_its_basis():
    """The plan estimates every target's post-training; a family the paper did not train says its rate is no
    paper value (a scaled estimate) rather than passing for one."""
    from adamllm.models.families import FAMILIES
    from adamllm.workflow.estimates import rates

    bundled = rates()["posttrain"]
    for name, family in FAMILIES.items():
        if family.readings or family.defaults:
            assert bundled[name]["gpu_hours"] > 0 and bundled[name]["records"] > 0, name
            assert bundled[name]["basis"].startswith("no paper value") == (family.readings is None), name


def test_workstation_profile_trains_on_the_one_gpu_there_is():
    """profiles/workstation caps every job's GPUs at the one there is: a post-training or tuning job's global
    batch is its per-device batch × accumulation × 1, and the plan marks it against the paper's 128."""
    planned = jobs(plan(ROOT, "--profile", "profiles/workstation", "--configfile", "config/paper/food.yaml"))
    trained = [job for job in planned if job["rule"] in ("posttrain", "tune_synthesizer")]
    assert {job["rule"] for job in trained} == {"posttrain", "tune_synthesizer"}
    for job in trained:
        args = job["args"]
        per_device = args.get("per_device_train_batch_size") or args["per_device_batch_size"]
        assert args["global_batch_size"] == per_device * args["gradient_accumulation_steps"]
        assert job["readings"]["paper"]["global_batch_size"] == 128
    memory = [job["memory"] for job in planned if job["rule"] == "posttrain"]
    assert all(m.get("gpus", 1) == 1 for m in memory)


@pytest.mark.parametrize(
    "lora_vision,frozen,rate", [("frozen", True, None), ("lora", False, 2e-6), ("full", False, 2e-6)]
)
def test_under_lora_the_vision_tower_trains_as_lora_vision_says(lora_vision, frozen, rate):
    """Under LoRA only lora_vision decides whether the tower trains (adapters, or whole); where it trains, its rate
    is the reading's tower rate (LLaVA-NeXT: 2e-6, Table 10), not the LLM's; frozen, it has none."""
    from adamllm.training.posttrain import PostTrainSettings, family_values

    settings = PostTrainSettings(finetuning_type="lora", lora_vision=lora_vision, freeze_vision_tower=not frozen)
    values = family_values("llava_next_llama3", settings)
    assert (values["freeze_vision_tower"], values["vision_learning_rate"]) == (frozen, rate)
    assert values["learning_rate"] == 2e-5


def test_qlora_with_the_tower_trained_whole_stops_before_the_run():
    """QLoRA keeps the tower's linear weights in 4 bits, which cannot train whole: one line naming the settings,
    before Snakemake plans a job."""
    settings = json.dumps({"settings": {"finetuning_type": "qlora"}, "families": {"qwen2_vl": {"lora_vision": "full"}}})
    result = plan(ROOT, "--config", f"posttrain={settings}")
    assert result.returncode != 0
    assert "config: posttrain.families.qwen2_vl: lora_vision: full cannot go with finetuning_type: qlora" in (
        result.stdout + result.stderr
    )
    assert "Traceback" not in result.stdout + result.stderr
