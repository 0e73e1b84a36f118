"""Evaluation prompts and decoding per family, as the reference's evaluation code does it (docs/method.md §8):
Qwen2-VL's system turn and pixel range, both Llama-3 end tokens for LLaVA-NeXT-Llama3 and Mllama."""

import json

import pytest
from PIL import Image

from adamllm.evaluation.predict import chat_prompt, evaluation_sampling
from adamllm.generation.backends import Request, load_backend
from adamllm.models.tiny_models import build_tiny_model

LLAMA3_ENDS = {"<|eot_id|>", "<|end_of_text|>"}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory, tiny_corpus):
    folder = tmp_path_factory.mktemp("eval_models")
    for family in ("qwen2_vl", "llava_next_llama3", "mllama"):
        build_tiny_model(family, folder / family, tiny_corpus, vocab_size=800)
    return folder


def test_qwen2_vl_prompt_has_the_reference_system_turn(tiny):
    engine = load_backend("transformers", str(tiny / "qwen2_vl"), "qwen2_vl")
    prompt = chat_prompt(engine, "What organ?")
    assert prompt.startswith("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n")
    assert evaluation_sampling("qwen2_vl", 1024).stop == ()  # the checkpoint's own end token, no extra stops


@pytest.mark.parametrize("size", [(40, 30), (3000, 2400), (500, 500)])
def test_qwen2_vl_images_are_resized_into_the_reference_pixel_range(tiny, size):
    """224·224 ≤ pixels ≤ 1280·28·28, read off the processed image grid (14-pixel patches)."""
    engine = load_backend("transformers", str(tiny / "qwen2_vl"), "qwen2_vl")
    request = Request(chat_prompt(engine, "What organ?"), Image.new("RGB", size, (90, 20, 20)))
    _t, rows, cols = engine._encode(request, evaluation_sampling("qwen2_vl", 8))["image_grid_thw"][0].tolist()
    assert 224 * 224 <= rows * 14 * cols * 14 <= 1280 * 28 * 28


@pytest.mark.parametrize("family", ["llava_next_llama3", "mllama"])
def test_llama3_families_stop_at_both_end_tokens_whatever_the_checkpoint_says(tiny, tmp_path, family):
    import shutil

    model = tmp_path / family
    shutil.copytree(tiny / family, model)
    config = json.loads((model / "generation_config.json").read_text())
    config["eos_token_id"] = 5  # a checkpoint whose generation config names neither Llama-3 end token
    (model / "generation_config.json").write_text(json.dumps(config))
    engine = load_backend("transformers", str(model), family)
    sampling = evaluation_sampling(family, 1024)
    assert set(sampling.stop) == LLAMA3_ENDS and sampling.skip_special_tokens
    ends = {engine.tokenizer.convert_ids_to_tokens(i) for i in engine.ending_ids(sampling)}
    assert ends == LLAMA3_ENDS


def test_evaluation_asks_with_the_system_turn_training_added():
    """Each target family is evaluated under the system turn LLaMA-Factory's template trained it with (the
    template's default, as our post-training data set none), or none where the template adds none."""
    from llamafactory.data.template import TEMPLATES

    from adamllm.models.families import FAMILIES

    targets = [family for family in FAMILIES.values() if family.llamafactory_template]
    assert len(targets) >= 7
    for family in targets:
        trained = TEMPLATES[family.llamafactory_template].default_system or None
        assert family.chat.system_message == trained, family.name
