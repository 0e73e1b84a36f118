"""The demo DAG end to end with real Snakemake, on a copy of the repository."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import ROOT, copy_workflow
from hub_standins import cache_repo, zip_folder

from adamllm.core.provenance import RUN_SUMMARIES

pytestmark = pytest.mark.slow
SNAKEMAKE = [sys.executable, "-m", "snakemake"]


def snakemake(workdir, *args, check=True):
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    result = subprocess.run([*SNAKEMAKE, *args], cwd=workdir, capture_output=True, text=True, env=env)
    if check and result.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-6000:]}")
    return result.stdout + result.stderr


def planned_jobs(output):
    """Rule name → reason of each job in a dry-run printout."""
    jobs = {}
    for block in output.split("\nrule ")[1:]:
        name = block.split(":", 1)[0].strip()
        reason = re.search(r"reason: (.*)", block)
        jobs.setdefault(name, []).append(reason.group(1) if reason else "")
    return jobs


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("demo") / "repo"
    copy_workflow(workdir)
    snakemake(workdir, "--cores", "2")
    return workdir


def test_demo_produces_post_training_data_and_counts(demo):
    for domain in ("biomed", "food"):
        stats = json.loads((demo / "results" / domain / "stats.json").read_text())
        pairs = json.loads((demo / "data_samples" / domain / "image_caption_pairs.json").read_text())
        assert stats["pairs_in"] == len(pairs) == stats["pairs_valid"]
        assert 0 <= stats["paired"] <= stats["parsed"] <= stats["pairs_valid"]
        assert sum(stats["judged"].values()) == stats["paired"]
        assert stats["kept_tasks"] == stats["judged"]["yes"]
        data = json.loads((demo / "results" / domain / "posttrain_data" / "single_stage" / "data.json").read_text())
        assert len(data) == len(pairs) == stats["records"]["single_stage"]  # every image keeps its caption task
        assert sum(len(r["messages"]) == 4 for r in data) == stats["kept_tasks"]
        for record in data:
            assert (demo / record["images"][0]).is_file()
            assert record["messages"][0]["content"].startswith("<image>")
        info = json.loads(
            (demo / "results" / domain / "posttrain_data" / "single_stage" / "dataset_info.json").read_text()
        )
        assert info[f"adamllm_{domain}_single_stage"]["file_name"] == "data.json"


def test_nothing_to_do_after_demo(demo):
    assert "Nothing to be done" in snakemake(demo, "-n", "--cores", "2")


def test_synthesis_setting_reruns_synthesis_and_downstream_only(demo, tmp_path):
    override = tmp_path / "override.yaml"
    override.write_text("synthesis:\n  max_new_tokens: 256\n")
    jobs = planned_jobs(snakemake(demo, "-n", "--cores", "2", "--configfile", "config/config.yaml", str(override)))
    assert set(jobs) == {
        "synthesize",
        "parse_and_pair",
        "synthesizer_effect",
        "consistency_filter",
        "merge_tasks",
        "posttrain_data",
        "data_summary",
        "posttrain",
        "predict",
        "score_predictions",
        "report",
        "all",
    }
    assert all("Params have changed" in reason for reason in jobs["synthesize"])
    assert len(jobs["synthesize"]) == 2 * 2  # two domains, two shards each


def test_family_hyperparameter_retrains_only_that_family(demo, tmp_path):
    override = tmp_path / "override.yaml"
    override.write_text("posttrain:\n  families:\n    qwen2_vl:\n      learning_rate: 5.0e-4\n")
    output = snakemake(demo, "-n", "--cores", "2", "--configfile", "config/config.yaml", str(override))
    jobs = planned_jobs(output)
    assert set(jobs) == {"posttrain", "predict", "score_predictions", "report", "all"}
    retrained = re.findall(r"rule posttrain:.*?wildcards: domain=(\w+), recipe=(\w+), target=(\w+)", output, re.S)
    recipes = {"single_stage", "caption_only", "two_stage"}
    assert sorted(retrained) == sorted((d, r, "qwen2_vl_2b") for d in ("biomed", "food") for r in recipes)
    evaluated = re.findall(r"rule predict:.*?wildcards: domain=(\w+), target=(\w+), variant=(\w+)", output, re.S)
    assert sorted(evaluated) == sorted(
        (d, "qwen2_vl_2b", v) for d in ("biomed", "food") for v in ("single_stage", "two_stage")
    )


def test_pretrained_synthesizer_skips_tuning(tmp_path):
    workdir = tmp_path / "repo"
    copy_workflow(workdir)
    override = tmp_path / "override.yaml"
    override.write_text("synthesizer:\n  source: pretrained\n  pretrained: AdaptLLM/visual-instruction-synthesizer\n")
    output = snakemake(workdir, "-n", "--cores", "2", "--configfile", "config/config.yaml", str(override))
    jobs = planned_jobs(output)
    assert "tune_synthesizer" not in jobs and "synthesizer_set" not in jobs and "synthesizer_effect" not in jobs
    assert len(jobs["synthesize"]) == 4


def test_post_trained_models_load_and_generate(demo):
    from adamllm.generation.backends import Request, Sampling, load_backend

    families = {"qwen2_vl_2b": "qwen2_vl", "llava_next_8b": "llava_next_llama3", "mllama_11b": "mllama"}
    image = str(demo / "data_samples" / "food" / "images" / "pizza.jpg")
    for recipe in ("single_stage", "two_stage"):
        for target, family in families.items():
            backend = load_backend("transformers", str(demo / "results" / "food" / "models" / recipe / target), family)
            prompt = backend.processor.apply_chat_template(
                [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "What dish is this?"}]}],
                add_generation_prompt=True,
            )
            (text,) = backend.generate([Request(prompt, image)], Sampling(max_new_tokens=4))
            assert isinstance(text, str)
            points = json.loads((demo / "results" / "food" / "models" / recipe / f"{target}.loss.json").read_text())
            assert [p["step"] for p in points] == list(range(1, len(points) + 1))


def test_synthesizer_effect_is_reported(demo):
    for domain in ("biomed", "food"):
        effect = json.loads((demo / "results" / domain / "synthesizer_effect.json").read_text())
        for model in ("untuned", "tuned"):
            assert 0 <= effect[model]["paired"] <= effect[model]["parsed"] <= effect["pairs"] == 12


@pytest.mark.parametrize("domain", ["biomed", "food"])
def test_paper_dag_builds_without_network(domain, tmp_path):
    workdir = tmp_path / "repo"
    copy_workflow(workdir)
    output = snakemake(workdir, "-n", "--configfile", f"config/paper/{domain}.yaml")
    jobs = planned_jobs(output)
    assert len(jobs["synthesize"]) == len(jobs["consistency_filter"]) == 64
    assert {"download_seed", "download_domain", "tune_synthesizer", "merge_tasks", "posttrain_data"} <= set(jobs)
    assert len(jobs["posttrain"]) == 3  # the three target models × the paper's single-stage recipe
    requests = re.findall(r"rule (\w+):.*?resources: ([^\n]*)", output, re.S)
    assert all("gpu=8" in r for rule, r in requests if rule in ("posttrain", "tune_synthesizer"))
    assert all("gpu=1" in r for rule, r in requests if rule in ("synthesize", "consistency_filter"))
    assert not (workdir / "resources").exists()


def tree_bytes(folder: Path) -> dict[str, bytes]:
    """Files of a folder by relative path; Snakemake's marker in a directory output left out."""
    files = (p for p in folder.rglob("*") if p.is_file() and p.name != ".snakemake_timestamp")
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in files}


def test_paper_download_rules_fetch_seed_and_domain_data(tmp_path, monkeypatch):
    """The hub download rules of a paper config, run by Snakemake against a local hub cache."""
    workdir = copy_workflow(tmp_path / "repo")
    paper = yaml.safe_load((ROOT / "config" / "paper" / "biomed.yaml").read_text())
    seed_hub, domain_hub = paper["seed"]["hub"], paper["domains"]["biomed"]["hub"]
    seed, domain, cache = ROOT / "data_samples" / "seed", ROOT / "data_samples" / "biomed", tmp_path / "hub"
    vflan, allava = seed_hub["visionflan"], seed_hub["allava"]
    cache_repo(cache, vflan["repo_id"], {
        vflan["metadata"]: seed / "vflan_metadata.json",
        vflan["images_zip"]: zip_folder(seed / "images", tmp_path / "seed_images.zip"),
    })  # fmt: skip
    cache_repo(cache, allava["repo_id"], {
        allava["caption"]: seed / "ALLaVA-Caption-VFLAN-4V.json",
        allava["instruct"]: seed / "ALLaVA-Instruct-VFLAN-4V.json",
    })  # fmt: skip
    cache_repo(cache, domain_hub["repo_id"], {
        domain_hub["pairs_file"]: domain / "image_caption_pairs.json",
        domain_hub["images_archive"]: zip_folder(domain / "images", tmp_path / "domain_images.zip"),
    })  # fmt: skip
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    downloaded = {
        "resources/seed/vflan_metadata.json": seed / "vflan_metadata.json",
        "resources/seed/ALLaVA-Caption-VFLAN-4V.json": seed / "ALLaVA-Caption-VFLAN-4V.json",
        "resources/seed/ALLaVA-Instruct-VFLAN-4V.json": seed / "ALLaVA-Instruct-VFLAN-4V.json",
        "resources/domains/biomed/pairs.json": domain / "image_caption_pairs.json",
    }
    folders = {"resources/seed/images": seed / "images", "resources/domains/biomed/images": domain / "images"}
    snakemake(workdir, *downloaded, *folders, "--cores", "1", "--configfile", "config/paper/biomed.yaml")
    for target, source in downloaded.items():
        assert (workdir / target).read_bytes() == source.read_bytes(), target
    for target, source in folders.items():
        assert tree_bytes(workdir / target) == tree_bytes(source), target


def test_site_profile_dry_run_shows_the_papers_gpu_requests(tmp_path):
    workdir = tmp_path / "repo"
    copy_workflow(workdir)
    output = snakemake(workdir, "-n", "--profile", "profiles/slurm", "--configfile", "config/paper/biomed.yaml")
    requests = dict(re.findall(r"rule (\w+):.*?resources: ([^\n]*)", output, re.S))
    assert "gpu=8" in requests["posttrain"] and "gpu=8" in requests["tune_synthesizer"]
    assert "gpu=1" in requests["synthesize"] and "gpu=1" in requests["predict"]
    # The Slurm plugin asks for a GPU whenever `gpu` or `gpu_model` is set: CPU jobs must carry neither.
    for rule in ("prepare_seed", "synthesizer_set", "shard_pairs", "merge_tasks", "posttrain_data"):
        assert "gpu" not in requests[rule], (rule, requests[rule])


@pytest.mark.parametrize(
    "command", [["snakefmt", "--check", "."], ["ruff", "check", "."], ["ruff", "format", "--check", "."]]
)
def test_formatting_and_lint_are_clean(command):
    tool = str(Path(sys.executable).parent / command[0])
    result = subprocess.run([tool, *command[1:]], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_snakemake_lint_is_clean():
    snakemake(ROOT, "--lint")


def test_demo_ends_in_scores_and_report(demo):
    from adamllm.evaluation.tasks import domain_benchmarks

    for domain in ("biomed", "food"):
        scores = sorted(p for p in (demo / "results" / domain / "scores").glob("*/*/*.json")
                        if not p.name.endswith(".manifest.json"))  # fmt: skip
        assert len(scores) == 3 * 3 * 4  # (3 targets × (base + 2 recipes)) × 4 benchmarks
        for path in scores:
            predictions = (
                demo
                / "results"
                / domain
                / "predictions"
                / path.parent.relative_to(demo / "results" / domain / "scores")
                / f"{path.stem}.jsonl"
            )
            printed = subprocess.run(
                [sys.executable, "-m", "adamllm.cli", "score", "--intervals", path.stem, str(predictions)],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            assert json.loads(printed) == json.loads(path.read_text())
            assert path.stem in domain_benchmarks(domain)
        table = (demo / "results" / "report" / f"{domain}_scores.csv").read_text().splitlines()
        assert len(table) == 1 + 9
        assert (demo / "results" / "report" / f"{domain}_radar.png").read_bytes()[:4] == b"\x89PNG"
    snakemake(demo, "--report", "report.html")
    assert "biomed_radar.png" in (demo / "report.html").read_text(errors="replace")


CHROMIUM = shutil.which("chromium")


@pytest.mark.skipif(not CHROMIUM, reason="no chromium (make browser-packages installs it)")
def test_report_opens_on_the_scores_in_a_real_browser(demo, tmp_path):
    """`snakemake --report` rendered by headless Chromium: its first page explains the run and shows each
    domain's scores table (the DOM after the report's scripts ran)."""
    report = demo / "report.html"
    if not report.exists():
        snakemake(demo, "--report", "report.html")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}"]  # fmt: skip
    dom = subprocess.run([CHROMIUM, *flags, "--dump-dom", report.as_uri()], capture_output=True, text=True,
                         timeout=180).stdout  # fmt: skip
    assert "AdaMLLM: domain-adaptive post-training" in dom
    for domain in ("biomed", "food"):
        frame = pd.read_csv(demo / "results" / "report" / f"{domain}_scores.csv")
        first = frame.iloc[0]
        title = "SLAKE open" if domain == "biomed" else "Recipe1M"
        interval = f"[{first[f'{title} CI low']:.1f}, {first[f'{title} CI high']:.1f}]"
        assert f"<b>{first[title]:.1f}</b> {interval}<br><small>paper {first[f'{title} (paper)']:.1f}" in dom, domain
        assert f"{first['model']} · {first['variant']}" in dom
        trained = frame[frame["variant"] != "base"].iloc[0]
        assert f"gain over base {trained[f'{title} gain']:+.1f}" in dom
    assert "reproduced within sampling noise" in dom or "outside our 95% interval" in dom
    assert "Items through the stages" in dom and "Synthesized tasks, kept and rejected" in dom
    shot = tmp_path / "first-page.png"
    subprocess.run([CHROMIUM, *flags, "--window-size=1400,2200", f"--screenshot={shot}", report.as_uri()],
                   capture_output=True, timeout=180)  # fmt: skip
    assert shot.read_bytes()[:4] == b"\x89PNG"


# Outputs that may differ between two clean runs, and why: Snakemake's benchmark TSVs hold wall-clock
# timings; LLaMA-Factory's run summaries in each checkpoint hold run times and throughput
# (train_runtime, train_samples_per_second…). Everything else — data, statistics, model weights,
# predictions, scores, manifests, reports — must be identical.
NONDETERMINISTIC = (
    re.compile(r"^results/benchmarks/"),
    re.compile("/({})$".format("|".join(map(re.escape, RUN_SUMMARIES)))),
)


def checksums(workdir) -> dict[str, str]:
    import hashlib

    return {
        path.relative_to(workdir).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for top in ("results", "resources")
        for path in sorted((workdir / top).rglob("*"))
        if path.is_file()
    }


def test_status_shows_the_measured_time_beside_the_estimate(demo):
    """`adamllm status` on the finished demo: each post-training job is done, with its estimate and the hours
    its Snakemake benchmark file measured (read here from the TSV itself)."""
    result = subprocess.run([sys.executable, "-m", "adamllm.cli", "status"], cwd=demo, capture_output=True,
                            text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    lines = [line for line in result.stdout.splitlines() if line.startswith("posttrain ")]
    assert len(lines) == 2 * 3 * 3  # domains × targets × (single_stage, two_stage and its caption_only stage)
    for line in lines:
        where = dict(part.split("=") for part in line.split()[1:4])
        tsv = (
            demo / "results" / "benchmarks" / where["domain"] / "posttrain" / where["recipe"] / f"{where['target']}.tsv"
        )
        seconds = float(tsv.read_text().splitlines()[1].split("\t")[0])
        assert " done " in line and "estimated " in line
        assert f"measured {seconds / 3600:.3g} h (" in line, line


def test_two_clean_demo_runs_are_identical(demo, tmp_path_factory):
    second = tmp_path_factory.mktemp("demo-again") / "repo"
    copy_workflow(second)
    snakemake(second, "--cores", "2")
    first_sums, second_sums = checksums(demo), checksums(second)
    assert sorted(first_sums) == sorted(second_sums)
    differing = sorted(p for p in first_sums if first_sums[p] != second_sums[p])
    unexplained = [p for p in differing if not any(rule.search(p) for rule in NONDETERMINISTIC)]
    print(f"{len(first_sums)} outputs; differing, as explained: {differing}")
    assert not unexplained, unexplained
    compared = [p for p in first_sums if p.endswith((".json", ".jsonl", ".csv", ".md"))]
    assert len(compared) > 100 and any(p.endswith(".manifest.json") for p in compared)


def test_every_score_has_a_manifest_that_checks_out(demo):
    import hashlib

    from adamllm.core.provenance import manifest_path, package_versions, verify_manifest

    scores = [p for p in (demo / "results").glob("*/scores/*/*/*.json") if not p.name.endswith(".manifest.json")]
    assert len(scores) == 2 * 3 * 3 * 4
    for score in scores:
        manifest = json.loads(manifest_path(score).read_text())
        assert verify_manifest(manifest_path(score), demo) == []
        assert manifest["score_sha256"] == hashlib.sha256(score.read_bytes()).hexdigest()
        (predictions, digest), *_ = manifest["inputs"]["predictions"].items()
        assert predictions.endswith(f"/{score.stem}.jsonl")
        assert digest == hashlib.sha256((demo / predictions).read_bytes()).hexdigest()
        assert manifest["prediction_run"]["packages"]["transformers"] == package_versions()["transformers"]
        target = score.parent.parent.name
        assert manifest["config"]["target"] == yaml_config(demo)["targets"][target]
        if score.parent.name != "base":  # a trained model: its lineage reaches the synthesizer and the data
            assert manifest["models"]["synthesizer"] == {"spec": "tiny:llava_next_synthesizer"}
            assert manifest["inputs"]["data"] and manifest["config"]["recipes"][0] == score.parent.name


def yaml_config(workdir):
    import yaml

    return yaml.safe_load((workdir / "config" / "config.yaml").read_text())


def test_audit_names_stale_outputs_and_changed_inputs(demo):
    def audit(*snakemake_args):
        command = [sys.executable, "-m", "adamllm.cli", "audit", "--directory", str(demo), "--", *snakemake_args]
        return subprocess.run(command, capture_output=True, text=True)

    clean = audit()
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "Stale outputs: 0" in clean.stdout and "72 checked, 0 not matching" in clean.stdout
    # A changed parameter: Snakemake's own reason, on the outputs it would remake.
    changed = audit("--config", "on_bad_record=skip")
    assert changed.returncode == 1, changed.stderr
    assert "results/seed/seed.json\tprepare_seed\tparams changed" in changed.stdout
    downstream = r"scores/qwen2_vl_2b/single_stage\tscore_predictions\t(params changed|an input will be remade)"
    assert re.search(downstream, changed.stdout)
    bad = audit("--config", "synthesis=7")
    assert bad.returncode == 2 and "snakemake --summary failed" in bad.stderr and "Traceback" not in bad.stderr
    # A predictions file edited after scoring: the manifest no longer matches.
    predictions = demo / "results/food/predictions/qwen2_vl_2b/base/Food101.jsonl"
    original, stat = predictions.read_bytes(), predictions.stat()
    try:
        predictions.write_bytes(original.replace(b'"pred": "', b'"pred": "x', 1))
        os.utime(predictions, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # only the bytes differ
        tampered = audit()
    finally:
        predictions.write_bytes(original)
        os.utime(predictions, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert tampered.returncode == 1
    assert (
        "predictions results/food/predictions/qwen2_vl_2b/base/Food101.jsonl: changed since scoring" in tampered.stdout
    )
    # A source the data stages read (a domain image), edited in place: every post-trained model's scores
    # name it, the base models' do not.
    image = demo / "data_samples/food/images/pizza.jpg"
    original, stat = image.read_bytes(), image.stat()
    try:
        image.write_bytes(original[:-2] + bytes([original[-2] ^ 1]) + original[-1:])
        os.utime(image, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        edited = audit()
    finally:
        image.write_bytes(original)
        os.utime(image, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert edited.returncode == 1
    assert "sources data_samples/food/images: changed since scoring" in edited.stdout
    flagged = re.findall(r"results/food/scores/\w+/(\w+)/\w+\.manifest\.json", edited.stdout)
    assert flagged and "base" not in flagged
    # Configured inputs that are not there: the run stops before any job, naming the key.
    (demo / "empty").mkdir(exist_ok=True)
    for key, value, message in (
        ("domains.food.pairs", "nowhere/pairs.json", "domains.food.pairs: no such file"),
        ("evaluation.local_dir", "empty", "evaluation.local_dir: empty has no SLAKE.jsonl"),
    ):
        override = demo / "override.yaml"
        section, field = key.split(".", 1)
        nested = {section: {field.split(".")[0]: {field.split(".")[1]: value}} if "." in field else {field: value}}
        override.write_text(yaml.safe_dump(nested))
        missing = audit("--configfile", "config/config.yaml", "override.yaml")
        assert missing.returncode == 2 and message in missing.stderr, missing.stderr[-2000:]


def test_vllm_demo_completes_with_the_same_synthesized_tasks(demo):
    """Last in this module: it reruns the demo from synthesis on with the vLLM backend (config/vllm-cpu.yaml)."""
    if not (demo.parent / ".venv-vllm").exists() and not (ROOT / ".venv-vllm").exists():
        pytest.skip("no .venv-vllm: run `make vllm-env` (make test does)")
    if not (demo / ".venv-vllm").exists():
        (demo / ".venv-vllm").symlink_to(ROOT / ".venv-vllm")
    outputs = ["tasks.jsonl", *(f"synthesized/{i}-of-2.jsonl" for i in (1, 2))]
    before = {(d, o): (demo / "results" / d / o).read_bytes() for d in ("biomed", "food") for o in outputs}
    env_vars = {"VLLM_ENABLE_V1_MULTIPROCESSING": "0", "VLLM_CACHE_ROOT": str(demo / ".cache" / "vllm")}
    os.environ.update(env_vars)
    try:
        snakemake(demo, "--cores", "2", "--configfile", "config/config.yaml", "config/vllm-cpu.yaml")
    finally:
        for key in env_vars:
            os.environ.pop(key)
    logs = (demo / "logs" / "food" / "synthesize" / "1-of-2.log").read_text()
    assert "vllm" in logs.lower()  # the engine really ran
    for (domain, output), content in before.items():
        assert (demo / "results" / domain / output).read_bytes() == content, (domain, output)
    assert "Nothing to be done" in snakemake(demo, "-n", "--configfile", "config/config.yaml", "config/vllm-cpu.yaml")
