"""Tiny models: seeded, deterministic, loadable by transformers through the generation backend."""

import hashlib

import pytest

from adamllm.generation.backends import Request, Sampling, load_backend
from adamllm.models.tiny_models import BUILDERS, build_tiny_model


def digest(folder):
    return hashlib.sha256((folder / "model.safetensors").read_bytes()).hexdigest()


@pytest.mark.parametrize("family", sorted(BUILDERS))
def test_build_is_deterministic_and_generates(family, tmp_path, tiny_corpus, make_image):
    build_tiny_model(family, tmp_path / "a", tiny_corpus, seed=0, vocab_size=600)
    build_tiny_model(family, tmp_path / "b", tiny_corpus, seed=0, vocab_size=600)
    build_tiny_model(family, tmp_path / "c", tiny_corpus, seed=1, vocab_size=600)
    assert digest(tmp_path / "a") == digest(tmp_path / "b") != digest(tmp_path / "c")
    for name in ("config.json", "tokenizer.json", "tokenizer_config.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()

    backend = load_backend("transformers", str(tmp_path / "a"), family)
    if backend.family.multimodal:
        prompt = backend.processor.apply_chat_template(
            [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "What is it?"}]}],
            add_generation_prompt=True,
        )
        request = Request(prompt, image=str(make_image("x.jpg")))
    else:
        request = Request("## Question: is it?\n## Consistent:")
    sampling = Sampling(max_new_tokens=4, add_special_tokens=not backend.family.multimodal)
    first = backend.generate([request], sampling)
    assert first == backend.generate([request], sampling)  # greedy: same text twice
    assert isinstance(first[0], str)


def test_synthesizer_image_token_is_the_reserved_token(tmp_path, tiny_corpus):
    import json

    build_tiny_model("llava_next_synthesizer", tmp_path, tiny_corpus, vocab_size=600)
    tokenizer = json.loads((tmp_path / "tokenizer.json").read_text())
    ids = {t["content"]: t["id"] for t in tokenizer["added_tokens"]}
    assert (
        json.loads((tmp_path / "config.json").read_text())["image_token_index"] == ids["<|reserved_special_token_4|>"]
    )


@pytest.mark.parametrize("family", sorted(f for f in BUILDERS if f != "llama"))
def test_the_image_reaches_the_language_model(family, tmp_path, tiny_corpus):
    """A stand-in stands in for a trained checkpoint only if what it writes depends on the image: the next-token
    logits after the same prompt differ between two images (transformers starts some projectors at zero)."""
    import torch
    from PIL import Image
    from transformers import AutoModelForImageTextToText, AutoProcessor

    build_tiny_model(family, tmp_path, tiny_corpus, vocab_size=600)
    processor, model = AutoProcessor.from_pretrained(tmp_path), AutoModelForImageTextToText.from_pretrained(tmp_path)
    messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "What is it?"}]}]
    prompt = processor.apply_chat_template(messages, add_generation_prompt=True)
    logits = []
    for colour in ((200, 30, 30), (20, 40, 220)):
        inputs = processor(images=[Image.new("RGB", (40, 30), colour)], text=[prompt], return_tensors="pt")
        with torch.no_grad():
            logits.append(model(**inputs).logits[0, -1])
    assert not torch.allclose(logits[0], logits[1], atol=1e-6)
