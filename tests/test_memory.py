"""What a post-training job will hold in GPU memory, before it runs (docs/method.md §7, "Memory"): parameter
counts read off a checkpoint's config alone, checked against the tensors it saved, and the estimate against
a hand computation of the stated formula, down to `adamllm plan`'s line for a tiny Qwen2.5-VL."""

import json
import math
import os
import subprocess
import sys

import pytest
from conftest import copy_workflow
from safetensors import safe_open

from adamllm.models.sizes import ModelSize, model_size
from adamllm.models.tiny_models import build_tiny_model
from adamllm.training.memory import training_memory

GIB = 2**30


@pytest.fixture(scope="module")
def tiny_qwen25(tmp_path_factory, tiny_corpus):
    folder = tmp_path_factory.mktemp("qwen25") / "qwen2_5_vl"
    build_tiny_model("qwen2_5_vl", folder, tiny_corpus, vocab_size=800)
    return folder


def saved_tensors(folder) -> dict[str, int]:
    """Elements of every tensor the checkpoint saved, by name."""
    counts = {}
    for shard in folder.glob("*.safetensors"):
        with safe_open(shard, "pt") as handle:
            for key in handle.keys():
                counts[key] = math.prod(handle.get_slice(key).get_shape())
    return counts


def test_counts_from_the_config_equal_the_saved_tensors(tiny_qwen25):
    """Total, vision tower (patch embedding and blocks) and merger from the config alone, against the tensors
    the checkpoint holds; the LoRA counts by hand from the tiny builder's sizes: 2 layers of hidden 64, two
    query heads and one key-value head of 32, MLP 128."""
    size = model_size(str(tiny_qwen25))
    tensors = saved_tensors(tiny_qwen25)
    assert size.total == sum(tensors.values())
    assert size.vision == sum(n for key, n in tensors.items() if ".visual." in f".{key}" and "merger" not in key)
    assert size.projector == sum(n for key, n in tensors.items() if "visual.merger" in key)
    q, k, v, o, gate, up, down = (64, 64), (64, 32), (64, 32), (64, 64), (64, 128), (64, 128), (128, 64)
    layer = [q, k, v, o, gate, up, down]
    assert size.lora_linear == 2 * sum(a + b for a, b in layer)
    assert size.quantizable == 2 * sum(a * b for a, b in layer)
    assert (size.hidden, size.layers) == (64, 2)
    config = json.loads((tiny_qwen25 / "config.json").read_text())
    assert size.vocab == config["text_config"]["vocab_size"]


def test_no_config_no_estimate(tmp_path):
    assert model_size(str(tmp_path / "not-built")) is None


# A Qwen2-VL-2B-like size, by hand: 2.2 B parameters of which 0.67 B vision tower and 0.03 B merger; the
# language model's linear layers (28 of hidden 1536) as counted for LoRA and 4-bit storage.
SIZE = ModelSize(total=2_208_985_600, vision=665_000_000, projector=30_000_000, lora_linear=28 * 85_504,
                 quantizable=28 * 46_006_272, hidden=1536, layers=28, vocab=151_936)  # fmt: skip


def test_full_fine_tuning_by_hand():
    """ZeRO-2 on 8 GPUs, vision tower trained: bf16 weights whole, bf16 gradients and 12 bytes of AdamW state
    per trainable parameter sharded 8 ways; activations of 8 sequences of 6144 tokens."""
    memory = training_memory(SIZE, "full", zero_stage=2, gpus=8, batch=8, cutoff=6144, freeze_vision_tower=False)
    tokens = 8 * 6144
    assert memory.trainable == SIZE.total
    assert memory.weights == 2 * SIZE.total
    assert memory.gradients == 2 * SIZE.total / 8
    assert memory.optimizer == 12 * SIZE.total / 8
    assert memory.activations == tokens * (2 * 1536 * 28 + 34 * 1536 + 4 * 151_936)
    assert 40 < memory.total / GIB < 50  # 4.1 + 0.5 + 3.1 + 34.2 GiB


def test_frozen_tower_and_zero3_by_hand():
    memory = training_memory(SIZE, "full", zero_stage=3, gpus=4, batch=1, cutoff=1000, freeze_vision_tower=True)
    trainable = SIZE.total - SIZE.vision
    assert memory.trainable == trainable
    assert (memory.weights, memory.gradients, memory.optimizer) == (2 * SIZE.total / 4, 2 * trainable / 4,
                                                                     12 * trainable / 4)  # fmt: skip


def test_lora_and_qlora_by_hand():
    """LoRA rank 8 on every language-model linear layer, the merger trained whole; QLoRA keeps those layers'
    weights in 4 bits (half a byte) and the rest in bf16. No ZeRO, one GPU."""
    lora = training_memory(SIZE, "lora", zero_stage=0, gpus=1, batch=1, cutoff=2048, freeze_vision_tower=True)
    qlora = training_memory(SIZE, "qlora", zero_stage=0, gpus=1, batch=1, cutoff=2048, freeze_vision_tower=True)
    trainable = 8 * 28 * 85_504 + 30_000_000
    assert lora.trainable == qlora.trainable == trainable
    assert lora.weights == 2 * SIZE.total
    assert qlora.weights == 2 * (SIZE.total - 28 * 46_006_272) + 0.5 * 28 * 46_006_272
    assert lora.gradients == qlora.gradients == 2 * trainable and lora.optimizer == 12 * trainable
    assert qlora.total < lora.total < training_memory(SIZE, "full", 0, 1, 1, 2048, True).total
    whole = training_memory(SIZE, "lora", zero_stage=0, gpus=1, batch=1, cutoff=2048, freeze_vision_tower=False)
    assert whole.trainable == trainable + 665_000_000  # lora_vision: full: the tower trains whole beside them


def test_unknown_method_is_an_error():
    with pytest.raises(ValueError, match="unknown method 'dora'"):
        training_memory(SIZE, "dora", 0, 1, 1, 1, True)


@pytest.mark.slow
def test_plan_prints_the_estimate_of_each_method(tmp_path, tiny_qwen25):
    """The plan of config/examples/new_families.yaml, with the tiny Qwen2.5-VL built where the DAG builds it:
    its line gives the three methods' GiB and trainable counts, the JSON the same bytes as the formula."""
    workdir = copy_workflow(tmp_path / "w")
    built = workdir / "resources" / "models" / "tiny" / "qwen2_5_vl"
    built.parent.mkdir(parents=True)
    os.symlink(tiny_qwen25, built)
    command = [sys.executable, "-m", "adamllm.cli", "plan", "--json", "--", "--configfile", "config/config.yaml",
               "config/examples/new_families.yaml"]  # fmt: skip
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    result = subprocess.run(command, cwd=workdir, capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    jobs = [json.loads(line) for line in result.stdout.splitlines()]
    posttrain = [job for job in jobs if job["rule"] == "posttrain" and job["family"] == "qwen2_5_vl"]
    unbuilt = [job for job in jobs if job["rule"] == "posttrain" and job["family"] == "qwen3_vl"]
    assert posttrain and unbuilt
    assert all(job["memory"] == {"model": "resources/models/tiny/qwen3_vl"} for job in unbuilt)  # not built here
    size = model_size(str(tiny_qwen25))
    for job in posttrain:
        memory, args = job["memory"], job["args"]
        assert "methods" in memory, memory
        assert (memory["batch"], memory["cutoff"]) == (args["per_device_train_batch_size"], args["cutoff_len"])
        assert memory["zero_stage"] == 0  # the demo trains without DeepSpeed
        for method in ("full", "lora", "qlora"):
            expected = training_memory(size, method, 0, memory["gpus"], memory["batch"], memory["cutoff"],
                                       args["freeze_vision_tower"] or method != "full")  # fmt: skip
            assert memory["methods"][method]["total"] == expected.total
        # LoRA as the user would switch to it (lora_vision frozen by default), whatever the full job does
        assert memory["methods"]["lora"]["trainable"] == 8 * size.lora_linear + size.projector
    assert any(not job["args"]["freeze_vision_tower"] for job in posttrain)  # the demo trains the tower: tested
    table = subprocess.run(command[:4] + command[5:], cwd=workdir, capture_output=True, text=True, env=env).stdout
    lines = [line for line in table.splitlines() if "memory per GPU (estimate; full · lora · qlora)" in line]
    assert len(lines) >= 1 and all("ZeRO-0" in line and "trainable" in line for line in lines)
    assert "memory per GPU: not estimated until resources/models/tiny/qwen3_vl's config.json is here" in table
    whole = json.dumps({"settings": {"finetuning_type": "lora", "lora_vision": "full"}})
    result = subprocess.run([*command, "--config", f"posttrain={whole}"], cwd=workdir, capture_output=True,
                            text=True, env=env)  # fmt: skip
    lora = [json.loads(line) for line in result.stdout.splitlines()]
    lora = [job for job in lora if job["rule"] == "posttrain" and job["family"] == "qwen2_5_vl"]
    assert lora and all(job["args"]["lora_vision"] == "full" for job in lora)
    trainable = {job["memory"]["methods"]["lora"]["trainable"] for job in lora}
    assert trainable == {8 * size.lora_linear + size.projector + size.vision}  # the tower trains whole
