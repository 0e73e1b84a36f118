"""Both readings of the method for every training and generation job, as `adamllm plan` holds a run against
them: ``paper`` (Tables 9 and 10 and the evaluation protocol, with the reference code's choices where the
paper is silent) and ``reference_code`` (what the authors' commands ran; docs/method.md §7).

The readings differ only in post-training, whose per-family values (rates, frozen vision tower, image size,
batch, ZeRO stage) are the family registry's (adamllm/models/families.py); per-family evaluation formats are the
registry's too, per-benchmark answer limits the benchmark registry's. Tests check them against the text.
"""

from __future__ import annotations

from adamllm.data.synth_format import EOS
from adamllm.models.families import READINGS, get_family
from adamllm.training.deepspeed import deepspeed_config

GLOBAL_BATCH_SIZE = 128  # paper Tables 9 and 10

SYNTHESIS = {
    "temperature": 0.0,
    "max_new_tokens": 512,
    "stop": [EOS],
    "skip_special_tokens": False,
    "max_model_len": 4096,
    "double_bos": True,
}

PAPER = {
    "tune_synthesizer": {
        "learning_rate": 2e-5,
        "vision_learning_rate": 2e-6,
        "num_train_epochs": 2.0,
        "weight_decay": 0.0,
        "warmup_ratio": 0.03,
        "lr_scheduler_type": "cosine",
        "max_length": 6144,
        "bf16": True,
        "deepspeed": deepspeed_config("zero3"),
        "global_batch_size": GLOBAL_BATCH_SIZE,
        "train_instructions": True,
        "double_bos": True,
    },
    "synthesize": SYNTHESIS,
    "synthesizer_effect": SYNTHESIS,
    "consistency_filter": {
        "temperature": 0.0,
        "max_new_tokens": 2,
        "stop": [EOS],
        "skip_special_tokens": True,
        "max_model_len": 8192,
    },
    "posttrain": {
        "finetuning_type": "full",
        "num_train_epochs": 1.0,
        "cutoff_len": 6144,
        "lr_scheduler_type": "cosine",
        "bf16": True,
        "global_batch_size": GLOBAL_BATCH_SIZE,
    },
    "predict": {"temperature": 0.0, "max_model_len": 6144, "skip_special_tokens": True},
}


def own_defaults(rule: str, family: str | None) -> str | None:
    """Where a job's family values come from when the paper has none for its family (a newer family, whose
    values are its own defaults under either reading); None for the paper's families and other rules."""
    if rule != "posttrain" or not family:
        return None
    spec = get_family(family)
    return None if spec.readings else spec.defaults.source


def reading_args(rule: str, reading: str = "paper", family: str | None = None, tasks=(),
                 definitions: dict | None = None) -> dict:  # fmt: skip
    """The value under ``reading`` of each argument a job of ``rule`` runs with (only those the method sets)."""
    if reading not in READINGS:
        raise ValueError(f"unknown reading {reading!r}; known: {', '.join(READINGS)}")
    values = dict(PAPER.get(rule, {}))
    if rule == "posttrain" and family and not own_defaults(rule, family):
        spec = get_family(family)
        hp = spec.hparams(reading)
        values.update(
            template=spec.llamafactory_template,
            learning_rate=hp.learning_rate,
            vision_learning_rate=hp.vision_learning_rate,
            freeze_vision_tower=hp.freeze_vision_tower,
            weight_decay=hp.weight_decay,
            warmup_ratio=hp.warmup_ratio,
            per_device_train_batch_size=hp.per_device_batch_size,
            gradient_accumulation_steps=hp.gradient_accumulation_steps,
            image_max_pixels=hp.image_max_pixels,
            deepspeed=deepspeed_config(f"zero{hp.deepspeed_stage}"),
        )
    if rule == "predict" and family:
        from adamllm.evaluation.tasks import get_benchmark

        chat = get_family(family).chat
        values.update(
            system_message=chat.system_message,
            stop=list(chat.stop),
            max_new_tokens={task: get_benchmark(task, definitions).max_new_tokens for task in tasks},
        )
        if chat.image_pixels:
            values.update(min_pixels=chat.image_pixels[0], max_pixels=chat.image_pixels[1])
    return values
