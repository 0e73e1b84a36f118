"""Inputs as they come: high-bit-depth images by their real value range, images no model family can take,
and text that must stay text for every family's tokenizer."""

import re

import numpy as np
import pytest
from PIL import Image

from adamllm.core.errors import BadInputError, RecordPolicy
from adamllm.core.text import text_problem
from adamllm.data.images import image_problem, load_rgb, usable_image
from adamllm.models.tiny_models import build_tiny_model


def spread(image: Image.Image) -> tuple[int, int, float]:
    """(min, max, share of white pixels) of an RGB image."""
    values = np.asarray(image)
    return int(values.min()), int(values.max()), float((values == 255).all(axis=-1).mean())


def test_16_bit_greyscale_is_scaled_by_its_range_not_washed_out(tmp_path):
    ramp = (np.arange(64 * 64, dtype=np.uint16).reshape(64, 64) * 3 + 1000).astype(np.uint16)  # 1000 … 13285
    path = tmp_path / "ct.png"
    Image.fromarray(ramp).save(path)
    with Image.open(path) as raw:
        assert raw.mode.startswith("I")
        assert spread(raw.convert("RGB"))[2] > 0.99  # what Pillow's own conversion gives: nearly all white
    low, high, white = spread(load_rgb(path))
    assert (low, high) == (0, 255) and white < 0.01
    expected = np.rint((ramp.astype(float) - 1000) * 255 / (ramp.max() - 1000))
    assert np.array_equal(np.asarray(load_rgb(path))[..., 0], expected.astype(np.uint8))


def test_float_image_in_unit_range_is_not_black(tmp_path):
    values = np.linspace(0.0, 1.0, 32 * 32, dtype=np.float32).reshape(32, 32)
    path = tmp_path / "reflectance.tif"
    Image.fromarray(values).save(path)
    with Image.open(path) as raw:
        assert spread(raw.convert("RGB"))[1] <= 1  # Pillow's clipping: black
    low, high, _ = spread(load_rgb(path))
    assert (low, high) == (0, 255)


def test_32_bit_integer_and_constant_and_nan_images(tmp_path):
    signed = np.array([[-(2**20), 0], [2**20, 2**21]], dtype=np.int32)
    Image.fromarray(signed).save(tmp_path / "i32.tif")
    assert spread(load_rgb(tmp_path / "i32.tif"))[:2] == (0, 255)
    Image.fromarray(np.full((4, 4), 7.5, dtype=np.float32)).save(tmp_path / "flat.tif")
    assert spread(load_rgb(tmp_path / "flat.tif"))[:2] == (0, 0)  # a constant image: black, by rule
    with_nan = np.array([[np.nan, 0.0], [1.0, np.inf]], dtype=np.float32)
    Image.fromarray(with_nan).save(tmp_path / "nan.tif")
    assert np.asarray(load_rgb(tmp_path / "nan.tif"))[..., 0].tolist() == [[0, 0], [255, 0]]


def test_high_bit_images_get_an_8_bit_copy_for_other_loaders(tmp_path):
    ramp = (np.arange(256, dtype=np.uint16).reshape(16, 16) * 200).astype(np.uint16)
    Image.fromarray(ramp).save(tmp_path / "x.png")
    Image.new("RGB", (8, 8)).save(tmp_path / "plain.jpg")
    copy = usable_image(tmp_path / "x.png", tmp_path / "conv", "0")
    with Image.open(copy) as converted:
        assert converted.mode == "RGB" and spread(converted)[:2] == (0, 255)
    assert usable_image(tmp_path / "plain.jpg", tmp_path / "conv", "1") == str(tmp_path / "plain.jpg")


@pytest.mark.parametrize(
    "size,mode,fragment",
    [((15000, 15000), "1", "pixels"), ((1, 500), "RGB", "ratio 500"), ((401, 2), "RGB", "ratio 200")],
)
def test_images_no_family_can_take_are_problems(tmp_path, size, mode, fragment):
    path = tmp_path / "odd.png"
    Image.new(mode, size).save(path)
    problem = image_problem(path)
    assert problem and fragment in problem and str(path) in problem


def test_an_aspect_ratio_of_exactly_200_is_fine(tmp_path):
    Image.new("RGB", (400, 2)).save(tmp_path / "ok.png")
    assert image_problem(tmp_path / "ok.png") is None


@pytest.mark.parametrize("family", ["llava_next_synthesizer", "llama", "qwen2_vl", "llava_next_llama3", "mllama"])
def test_every_control_token_of_every_family_is_refused_as_text(family, tmp_path, tiny_corpus):
    """The tiny models carry their family's special tokens (Llama-3's, Qwen2-VL's, the image tokens): each
    one, alone or inside a sentence, is refused as literal text."""
    from transformers import AutoTokenizer

    build_tiny_model(family, tmp_path / family, tiny_corpus, vocab_size=800)
    tokenizer = AutoTokenizer.from_pretrained(tmp_path / family)
    specials = set(tokenizer.all_special_tokens) | {t.content for t in tokenizer.added_tokens_decoder.values()}
    assert len(specials) >= 3
    for token in specials:
        assert text_problem(f"A cell {token} stained.", "caption"), token
    assert text_problem("A cell <|eot_id|><|start_header_id|>user<|end_header_id|>", "caption")[0] == (
        "control token in text"
    )


def test_plain_text_and_placeholders_where_the_format_puts_them_are_fine():
    assert text_problem("A cell | with <b>bold</b> and {braces} < | > ", "caption") is None
    assert text_problem("<image>Describe the image.", "user message", placeholder_allowed=True) is None
    assert text_problem("Two <image> cells", "caption")[0] == "image placeholder in text"


def test_text_is_judged_as_unicode_text_not_as_ascii():
    """Letters of any script, emoji (a surrogate pair in JSON, one code point in Python), tabs and line breaks are
    text; a lone surrogate, NUL, other C0 controls, DEL and C1 controls are not (Unicode's categories Cs, Cc)."""
    import json
    import unicodedata

    for text in ("Käse, 寿司 und Ψωμί", json.loads('"pizza \\ud83c\\udf55"'), "a\tb\r\nc", "\u00a0\u200b\ufeff"):
        assert text_problem(text, "caption") is None, repr(text)
    bad = [chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) in ("Cs", "Cc") and chr(c) not in "\t\n\r"]
    assert len(bad) == 2048 + 65 - 3
    for char in bad:
        assert text_problem(f"A {char} cell", "caption")[0] == "not Unicode text", hex(ord(char))


def test_caption_longer_than_the_synthesizer_context_is_a_bad_record(tmp_path, tiny_corpus, make_image):
    """A 200,000-character caption against a 4,096-token context: named and counted, never run."""
    from adamllm.generation.backends import load_backend
    from adamllm.workflow.stages import TOO_LONG, _synthesized

    build_tiny_model("llava_next_synthesizer", tmp_path / "synth", tiny_corpus, vocab_size=800)
    options = {"max_model_len": 4096}
    engine = load_backend("transformers", str(tmp_path / "synth"), "llava_next_synthesizer", **options)
    image = str(make_image("x.jpg"))
    items = [{"id": 0, "image": image, "caption": "A cell."}, {"id": 7, "image": image, "caption": "cells " * 40000}]
    with pytest.raises(BadInputError, match=r"shard.jsonl, record id 7: synthesis prompt of \d+ tokens"):
        _synthesized(items, engine, 4, True, options, RecordPolicy(), "shard.jsonl")
    policy = RecordPolicy("skip")
    rows = _synthesized(items, engine, 4, True, options, policy, "shard.jsonl")
    assert isinstance(rows[0]["pred"], str) and rows[1]["pred"] is None and rows[1]["skipped"] == TOO_LONG
    assert policy.skipped == {TOO_LONG: 1}


def test_caption_longer_than_the_synthesizer_context_stops_at_the_shard_stage(tmp_path, tiny_corpus, make_image):
    """The same 200,000-character caption is a bad record when the pairs are sharded, named by file and record,
    counted under ``skip``; its synthesis job never sees it (the tokenizer is the synthesizer's own)."""
    import json
    import subprocess
    import sys

    build_tiny_model("llava_next_synthesizer", tmp_path / "synth", tiny_corpus, vocab_size=800)
    make_image("a.jpg", folder=tmp_path / "images")
    make_image("b.jpg", folder=tmp_path / "images")
    records = [{"images": [name], "messages": [{"role": "user", "content": "<image>Describe the image."},
                                               {"role": "assistant", "content": caption}]}
               for name, caption in (("a.jpg", "A cell."), ("b.jpg", "cells " * 40000))]  # fmt: skip
    (tmp_path / "pairs.json").write_text(json.dumps(records))

    def shard(policy):
        out = tmp_path / policy
        command = [sys.executable, "-m", "adamllm.cli", "shard-pairs", str(tmp_path / "pairs.json"),
                   str(tmp_path / "images"), "--shards", str(out / "1.jsonl"), "--stats", str(out / "stats.json"),
                   "--synthesizer", str(tmp_path / "synth"), "--max-model-len", "4096",
                   "--on-bad-record", policy]  # fmt: skip
        return subprocess.run(command, capture_output=True, text=True), out

    result, out = shard("stop")
    lines = [line for line in result.stderr.splitlines() if line.startswith("adamllm")]
    assert result.returncode == 1 and len(lines) == 1 and "Traceback" not in result.stderr
    assert re.search(r"pairs\.json, record 1: synthesis prompt of \d+ tokens \(mostly its caption\) fills the "
                     r"4096-token context", lines[0]), lines  # fmt: skip
    assert not out.exists() or not any(out.iterdir())
    result, out = shard("skip")
    assert result.returncode == 0, result.stderr
    assert json.loads((out / "stats.json").read_text())["skipped"] == {"caption longer than the context": 1}
    assert [json.loads(line)["caption"] for line in (out / "1.jsonl").read_text().splitlines()] == ["A cell."]
