"""The vLLM backend against the transformers backend: same prompts and images, same greedy tokens.

vLLM runs for real, in its own environment (.venv-vllm, built by `make vllm-env`, as `make test` does).
"""

import json
import os
import subprocess

import pytest
from conftest import ROOT

from adamllm.data.synth_format import synthesis_prompt
from adamllm.evaluation.predict import chat_prompt, evaluation_sampling
from adamllm.generation.backends import Request, Sampling, load_backend
from adamllm.generation.consistency import load_template, render_prompt
from adamllm.generation.synthesis import extract_triplet, synthesis_sampling
from adamllm.models.tiny_models import build_tiny_model

VLLM_PYTHON = ROOT / ".venv-vllm" / "bin" / "python"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not VLLM_PYTHON.exists(), reason="no .venv-vllm: run `make vllm-env` (make test does)"),
]
CPU_ENGINE = {"dtype": "float32", "enforce_eager": True, "max_model_len": 4096, "kv_cache_memory_bytes": 64 << 20}
IMAGES = [ROOT / "data_samples" / "food" / "images" / name for name in ("pizza.jpg", "sushi.jpg")]


def cases(engine, family):
    """Requests and sampling of the stage each family serves (synthesis, filter, evaluation: the family's
    own system turn, pixel range and end tokens)."""
    if family == "llava_next_synthesizer":
        requests = [
            Request(synthesis_prompt(f"A dish, photo {i}.", True), str(image)) for i, image in enumerate(IMAGES)
        ]
        return requests, synthesis_sampling(48)
    if family == "llama":
        triplet = {"Q": "How many?", "precise_A": "3", "informative_A": "Three cells are seen"}
        return [Request(render_prompt(load_template(), triplet))], Sampling(max_new_tokens=2, add_special_tokens=True)
    prompt = chat_prompt(engine, "What food is shown?")
    return [Request(prompt, str(image)) for image in IMAGES], evaluation_sampling(family, 16)


def vllm_env(tmp_path):
    return {
        **os.environ,
        "VLLM_ENABLE_V1_MULTIPROCESSING": "0",
        "HF_HUB_OFFLINE": "1",
        "VLLM_CACHE_ROOT": str(tmp_path / "vllm-cache"),
        "TORCHINDUCTOR_CACHE_DIR": str(tmp_path / "inductor"),
    }


def vllm_generate(model_dir, family, requests, sampling, tmp_path):
    requests_file = tmp_path / "requests.json"
    requests_file.write_text(json.dumps([{"prompt": r.prompt, "image": r.image} for r in requests]))
    settings = {
        "max_new_tokens": sampling.max_new_tokens,
        "stop": list(sampling.stop),
        "skip_special_tokens": sampling.skip_special_tokens,
        "add_special_tokens": sampling.add_special_tokens,
    }
    env = vllm_env(tmp_path)
    command = [
        str(VLLM_PYTHON),
        "-m",
        "adamllm.cli",
        "generate",
        "vllm",
        str(model_dir),
        family,
        str(requests_file),
        "--out",
        str(tmp_path / "out.json"),
        "--sampling",
        json.dumps(settings),
        "--options",
        json.dumps(CPU_ENGINE),
    ]
    result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp_path, check=False)
    assert result.returncode == 0, result.stderr[-4000:]
    return json.loads((tmp_path / "out.json").read_text())


@pytest.mark.parametrize(
    "family",
    ["llava_next_synthesizer", "llama", "qwen2_vl", "llava_next_llama3", "qwen2_5_vl", "qwen3_vl", "internvl"],
)
def test_vllm_greedy_tokens_equal_transformers(family, tmp_path, tiny_corpus):
    model_dir = tmp_path / "model"
    build_tiny_model(family, model_dir, tiny_corpus, vocab_size=800)
    engine = load_backend("transformers", str(model_dir), family)
    requests, sampling = cases(engine, family)
    expected_tokens = engine.generate_tokens(requests, sampling)
    expected_texts = engine.generate(requests, sampling)
    got = vllm_generate(model_dir, family, requests, sampling, tmp_path)
    assert [g["tokens"] for g in got] == expected_tokens
    assert all(len(t) > 0 for t in expected_tokens)
    assert [g["text"] for g in got] == expected_texts
    if family == "llava_next_synthesizer":
        assert [extract_triplet(g["text"]) for g in got] == [extract_triplet(t) for t in expected_texts]


@pytest.mark.parametrize("family", ["mllama", "gemma3"])
def test_families_vllm_does_not_run_alike_fall_back_to_transformers(family, tmp_path, tiny_corpus):
    from adamllm.generation.backends.transformers_backend import TransformersBackend

    build_tiny_model(family, tmp_path, tiny_corpus, vocab_size=800)
    assert isinstance(load_backend("vllm", str(tmp_path), family), TransformersBackend)


def test_gpu_throughput_benchmark_runs_with_vllm(tmp_path, tiny_corpus):
    """The GPU benchmark's code path, on CPU with the tiny synthesizer: it must run and print its row."""
    build_tiny_model("llava_next_synthesizer", tmp_path / "model", tiny_corpus, vocab_size=800)
    options = {k: v for k, v in CPU_ENGINE.items() if k != "dtype"}
    command = [str(VLLM_PYTHON), str(ROOT / "benchmarks" / "gpu_synthesis_throughput.py"), "--model",
               str(tmp_path / "model"), "--pairs", "5", "--max-new-tokens", "16", "--dtype", "float32",
               "--engine-options", json.dumps(options)]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, env=vllm_env(tmp_path), cwd=ROOT)
    assert result.returncode == 0, result.stderr[-4000:]
    row = result.stdout.strip().splitlines()[-1].split("|")
    assert row[1].strip() == "cpu" and row[2].strip() == "vllm" and int(row[4]) == 5 and float(row[7]) > 0


@pytest.mark.parametrize(
    "family,lora_vision",
    [*((family, "frozen") for family in ("qwen2_vl", "qwen2_5_vl", "qwen3_vl", "llava_next_llama3", "internvl")),
     ("qwen3_vl", "full"), ("internvl", "full")],
)  # fmt: skip
def test_a_lora_merged_checkpoint_loads_in_vllm(family, lora_vision, tmp_path, tiny_corpus):
    """LoRA post-training (adapters merged into a full checkpoint after training, with the vision tower frozen or
    trained whole beside them) leaves a model vLLM loads and decodes as transformers does."""
    from PIL import Image

    from adamllm.core.io import write_json
    from adamllm.data.posttrain_data import RECIPES, dataset_info, format_record
    from adamllm.training.posttrain import post_train

    build_tiny_model(family, tmp_path / "base", tiny_corpus, vocab_size=800)
    image = tmp_path / "cell.jpg"
    Image.new("RGB", (64, 64), (200, 30, 30)).save(image)
    triplet = {"Q": "How many nuclei?", "precise_A": "2", "informative_A": "Two dark nuclei are visible"}
    item = {"id": 0, "image": str(image), "instruction": "<image>Describe the image.", "caption": "A cell.",
            "triplet": triplet, "consistent": True}  # fmt: skip
    write_json(tmp_path / "data" / "data.json", [format_record(item, RECIPES["single_stage"], 42, True)] * 2)
    write_json(tmp_path / "data" / "dataset_info.json", dataset_info("demo", "data.json"))
    settings = {"cutoff_len": 512, "bf16": False, "deepspeed": False, "max_steps": 2, "per_device_batch_size": 1,
                "gradient_accumulation_steps": 1, "image_max_pixels": 12544, "image_min_pixels": 3136,
                "learning_rate": 1e-2, "finetuning_type": "lora", "lora_vision": lora_vision}  # fmt: skip
    model_dir = tmp_path / "model"
    post_train(family, tmp_path / "base", tmp_path / "data" / "data.json", tmp_path / "data" / "dataset_info.json",
               model_dir, tmp_path / "l.json", tmp_path / "l.png", settings)  # fmt: skip
    assert (model_dir / "adapter" / "adapter_model.safetensors").is_file()
    assert (model_dir / "adapter" / "vision_tower.safetensors").is_file() == (lora_vision == "full")
    engine = load_backend("transformers", str(model_dir), family)
    requests, sampling = cases(engine, family)
    got = vllm_generate(model_dir, family, requests, sampling, tmp_path)
    assert [g["tokens"] for g in got] == engine.generate_tokens(requests, sampling)
