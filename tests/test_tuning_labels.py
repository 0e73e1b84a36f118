"""The synthesizer's training labels, token by token, on a real sample from data_samples (docs/method.md §2)."""

import pytest
import torch
from conftest import ROOT

from adamllm.core.errors import RecordPolicy
from adamllm.data.images import load_rgb
from adamllm.data.seed import join_seed
from adamllm.data.synth_format import synthesis_prompt
from adamllm.data.trainset import build_trainset
from adamllm.models.tiny_models import build_tiny_model
from adamllm.training.tuning import IGNORE, encode, synthesizer_segments, trained_roles

USER = "<|start_header_id|>user<|end_header_id|>\n\n"
SEP = "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"
EOT, EOS = "<|eot_id|>", "<|end_of_text|>"


@pytest.fixture(scope="module")
def synthesizer(tmp_path_factory, tiny_corpus):
    from transformers import AutoModelForImageTextToText, AutoProcessor

    folder = tmp_path_factory.mktemp("synth")
    build_tiny_model("llava_next_synthesizer", folder, tiny_corpus, vocab_size=800)
    return AutoProcessor.from_pretrained(folder), AutoModelForImageTextToText.from_pretrained(folder)


@pytest.fixture(scope="module")
def sample():
    seed = ROOT / "data_samples" / "seed"
    records, _ = join_seed(
        seed / "vflan_metadata.json",
        seed / "ALLaVA-Caption-VFLAN-4V.json",
        seed / "ALLaVA-Instruct-VFLAN-4V.json",
        seed / "images",
        RecordPolicy(),
    )
    train, _, _ = build_trainset(records, str(ROOT / "data_samples" / "blank.jpg"), 0.1, 0.1, 42)
    return next(s for s in train if len(s["turns"]) >= 2 and not s["blank"])


def trained_runs(features, tokenizer):
    """The decoded text of each maximal run of trained tokens."""
    runs, current = [], []
    for token, label in zip(features["input_ids"].tolist(), features["labels"].tolist(), strict=True):
        if label != IGNORE:
            assert label == token
            current.append(token)
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return [tokenizer.decode(run) for run in runs]


def encoded(sample, processor, train_instructions):
    segments = synthesizer_segments(sample, double_bos=True, image_token=processor.image_token)
    return encode(
        segments, trained_roles(train_instructions), processor.tokenizer, processor, load_rgb(ROOT / sample["image"])
    )


def test_responses_only_by_default(synthesizer, sample):
    processor, _ = synthesizer
    runs = trained_runs(encoded(sample, processor, False), processor.tokenizer)
    answers = [t["answer"] for t in sample["turns"]]
    expected = [a + EOT for a in answers[:-1]] + [answers[-1] + EOT + EOS]
    assert runs == expected
    assert not any(sample["caption"] in run for run in runs)


def test_instructions_after_caption_are_trained_on_option(synthesizer, sample):
    processor, _ = synthesizer
    runs = trained_runs(encoded(sample, processor, True), processor.tokenizer)
    body = "".join(f"{USER}{t['question']}{SEP}{t['answer']}{EOT}" for t in sample["turns"]) + EOS
    assert runs == [body]  # one run: everything after the caption turn, and nothing of the caption


def test_image_tokens_match_features_and_inference_prompt_is_a_prefix(synthesizer, sample):
    processor, model = synthesizer
    features = encoded(sample, processor, False)
    batch = {k: v.unsqueeze(0) for k, v in features.items()}
    loss = model(**batch).loss  # the model checks image tokens against image features
    assert torch.isfinite(loss)
    prompt = processor(
        images=[load_rgb(ROOT / sample["image"])],
        text=synthesis_prompt(sample["caption"], True),
        add_special_tokens=False,
        return_tensors="pt",
    )["input_ids"][0]
    assert features["input_ids"][: len(prompt)].tolist() == prompt.tolist()
    assert features["input_ids"][:2].tolist() == [processor.tokenizer.bos_token_id] * 2  # double BOS kept


def test_tuning_reports_where_it_is_told_and_checks_the_package_first(tmp_path):
    """synthesizer.tuning.report_to reaches the Trainer; a missing package stops the job before any model
    is loaded (the base model here does not even exist)."""
    from adamllm.core.errors import BadInputError
    from adamllm.training.tuning import TuningSettings, trainer_arguments, tune_synthesizer

    assert trainer_arguments(TuningSettings())["report_to"] == []
    assert trainer_arguments(TuningSettings(report_to=["tensorboard"]))["report_to"] == ["tensorboard"]
    with pytest.raises(BadInputError, match="^synthesizer.tuning.report_to: mlflow needs the mlflow package"):
        tune_synthesizer(tmp_path / "no-model", tmp_path / "train.json", tmp_path / "out",
                         TuningSettings(report_to=["mlflow"]), True, False)  # fmt: skip
    assert not list(tmp_path.iterdir())
