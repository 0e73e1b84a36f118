"""config/paper/biomed.yaml runs, not only dry-runs: real Snakemake, real vLLM (CPU build) and LLaMA-Factory,
offline against a Hugging Face cache in which every hub id of the paper config resolves to a stand-in.

Stand-ins (the hub is unreachable here), each in its repository's real layout (tests/hub_standins.py):
- Vision-Flan/vision-flan_191-task_1k and FreedomIntelligence/ALLaVA-4V: our seed samples under the real
  file names (metadata.json, image_191-task_1k.zip, allava_vflan/ALLaVA-*-VFLAN-4V.json);
- AdaptLLM/biomed-visual-instructions: our biomedical image-caption pairs and a zip of their images;
- AdaptLLM/biomed-VQA-benchmark: a `datasets` repository with the configs SLAKE, PathVQA, VQA_RAD and
  PMC-VQA (split test), built from our benchmark samples with the real columns and an image feature;
- llava-hf/llama3-llava-next-8b-hf (synthesizer base and LLaVA target), meta-llama/Meta-Llama-3-8B (checker),
  Qwen/Qwen2-VL-2B-Instruct and meta-llama/Llama-3.2-11B-Vision-Instruct: tiny random models of each family
  (their context widened to 8192 positions so the engines accept the paper's context lengths).
Only scale changes on top of the paper config (SCALE below); `adamllm plan` shows it.
"""

import json
import os
import subprocess
import sys

import pytest
import yaml
from conftest import ROOT, copy_workflow
from hub_standins import cache_benchmark, cache_model, cache_repo, zip_folder

from adamllm.evaluation.tasks import domain_benchmarks
from adamllm.models.tiny_models import build_tiny_model

VLLM_PYTHON = ROOT / ".venv-vllm" / "bin" / "python"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not VLLM_PYTHON.exists(), reason="no .venv-vllm: run `make vllm-env` (make test does)"),
]
PAPER = yaml.safe_load((ROOT / "config" / "paper" / "biomed.yaml").read_text())
# Scale only: steps, shards, answer length, checked pairs; bf16, DeepSpeed and the engine's precision and
# memory as a CPU allows; the vLLM CPU build's interpreter.
SCALE = {
    "synthesizer": {"untuned_check_pairs": 4, "tuning": {"max_steps": 2, "bf16": False, "deepspeed": None}},
    "synthesis": {"shards": 2},
    "posttrain": {"settings": {"max_steps": 1, "bf16": False, "deepspeed": False}},
    "evaluation": {"max_new_tokens_cap": 8},
    "vllm": {"python": str(VLLM_PYTHON), "dtype": "float32", "enforce_eager": True, "kv_cache_memory_bytes": 64 << 20},
}
SCALE_SETTINGS = {"max_steps", "bf16", "deepspeed", "max_new_tokens", "dtype", "enforce_eager",
                  "kv_cache_memory_bytes"}  # fmt: skip
MODELS = {
    "llava-hf/llama3-llava-next-8b-hf": "llava_next_llama3",
    "meta-llama/Meta-Llama-3-8B": "llama",
    "Qwen/Qwen2-VL-2B-Instruct": "qwen2_vl",
    "meta-llama/Llama-3.2-11B-Vision-Instruct": "mllama",
}


def standin_cache(folder, corpus):
    """The Hugging Face cache every hub id of the biomed paper config resolves to."""
    cache, work = folder / "hub", folder / "work"
    seed, biomed = ROOT / "data_samples" / "seed", ROOT / "data_samples" / "biomed"
    vflan, allava = PAPER["seed"]["hub"]["visionflan"], PAPER["seed"]["hub"]["allava"]
    work.mkdir(parents=True)
    cache_repo(cache, vflan["repo_id"], {vflan["metadata"]: seed / "vflan_metadata.json",
               vflan["images_zip"]: zip_folder(seed / "images", work / "seed.zip")})  # fmt: skip
    cache_repo(cache, allava["repo_id"], {allava["caption"]: seed / "ALLaVA-Caption-VFLAN-4V.json",
                                          allava["instruct"]: seed / "ALLaVA-Instruct-VFLAN-4V.json"})  # fmt: skip
    domain = PAPER["domains"]["biomed"]["hub"]
    cache_repo(
        cache,
        domain["repo_id"],
        {
            domain["pairs_file"]: biomed / "image_caption_pairs.json",
            domain["images_archive"]: zip_folder(biomed / "images", work / "d.zip"),
        },
    )
    subsets = {}
    for task in domain_benchmarks("biomed"):
        lines = (ROOT / "data_samples" / "benchmarks" / f"{task}.jsonl").read_text().splitlines()
        rows = [json.loads(line) for line in lines]
        subsets[task] = [{**{k: v for k, v in row.items() if k != "id"},
                          "image": ROOT / "data_samples" / "benchmarks" / row["image"]} for row in rows]  # fmt: skip
    cache_benchmark(cache, "AdaptLLM/biomed-VQA-benchmark", subsets, work / "benchmark")
    for repo_id, family in MODELS.items():
        build_tiny_model(family, work / family, corpus, vocab_size=800)
        cache_model(cache, repo_id, work / family, max_positions=8192)
    return cache


def environment(cache):
    return {**os.environ, "HF_HUB_CACHE": str(cache), "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1",
            "VLLM_ENABLE_V1_MULTIPROCESSING": "0", "VLLM_CACHE_ROOT": str(cache.parent / "vllm"),
            "TORCHINDUCTOR_CACHE_DIR": str(cache.parent / "inductor")}  # fmt: skip


@pytest.fixture(scope="session")
def paper_run(tmp_path_factory, tiny_corpus):
    folder = tmp_path_factory.mktemp("paper_run")
    workdir = copy_workflow(folder / "repo")
    cache = standin_cache(folder, tiny_corpus)
    (workdir / "scale.yaml").write_text(yaml.safe_dump(SCALE))
    configs = ["--configfile", "config/paper/biomed.yaml", "scale.yaml"]
    result = subprocess.run([sys.executable, "-m", "snakemake", "--cores", "2", *configs], cwd=workdir,
                            env=environment(cache), capture_output=True, text=True)  # fmt: skip
    return workdir, cache, configs, result


def test_paper_config_runs_to_scores_and_report(paper_run):
    workdir, _cache, _configs, result = paper_run
    assert result.returncode == 0, result.stderr[-8000:]
    report = (workdir / "results" / "report" / "biomed_scores.csv").read_text().splitlines()
    assert len(report) == 1 + 3 * 2  # three targets, base and AdaMLLM (single-stage)
    for target, spec in PAPER["targets"].items():
        hub_id = spec["model"]
        for variant in ("base", "single_stage"):
            scores = workdir / "results" / "biomed" / "scores" / target / variant
            for task in domain_benchmarks("biomed"):
                assert json.loads((scores / f"{task}.json").read_text())["test_num"] > 0
                manifest = json.loads((scores / f"{task}.manifest.json").read_text())
                models = json.dumps(manifest, sort_keys=True)
                assert hub_id in models
                if variant == "single_stage":
                    assert "llava-hf/llama3-llava-next-8b-hf" in models and "meta-llama/Meta-Llama-3-8B" in models
    stats = json.loads((workdir / "results" / "biomed" / "stats.json").read_text())
    pairs = json.loads((ROOT / "data_samples" / "biomed" / "image_caption_pairs.json").read_text())
    assert stats["pairs_in"] == len(pairs) and stats["records"]["single_stage"] == len(pairs)
    fetched = (workdir / "resources" / "benchmarks" / "biomed" / "PMC-VQA.jsonl").read_text().splitlines()
    assert len(fetched) == len((ROOT / "data_samples" / "benchmarks" / "PMC-VQA.jsonl").read_text().splitlines())


def plan(workdir, cache, *configs):
    command = [sys.executable, "-m", "adamllm.cli", "plan", "--json", "--", "--configfile", *configs]
    result = subprocess.run(command, cwd=workdir, env=environment(cache), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_only_scale_differs_from_the_paper(paper_run):
    """Per rule, the distinct argument sets of the run and of the paper config are the same once the scale
    settings are set aside; and the plan's table names only scale settings as differing from the paper."""
    workdir, cache, configs, _result = paper_run

    def shapes(jobs):
        return {(j["rule"], j["family"], json.dumps({k: v for k, v in j["args"].items() if k not in SCALE_SETTINGS},
                                                     sort_keys=True)) for j in jobs}  # fmt: skip

    run = plan(workdir, cache, *configs[1:])
    paper = plan(workdir, cache, configs[1])
    assert shapes(run) == shapes(paper)
    table = subprocess.run([sys.executable, "-m", "adamllm.cli", "plan", "--", *configs], cwd=workdir,
                           env=environment(cache), capture_output=True, text=True).stdout  # fmt: skip
    line = next(line for line in table.splitlines() if line.startswith("against paper "))
    differing = [item.split(" [")[0] for item in line.split(": ", 2)[2].split("; ")]  # "rule.setting [families]"
    assert differing and {name.split(".", 1)[1] for name in differing} <= SCALE_SETTINGS
