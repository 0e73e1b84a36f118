"""The paper's settings for every training and generation job, as `adamllm plan` holds a run against them.

Values from the paper's Tables 9 and 10 and its evaluation protocol, plus the reference code's choices
where the paper is silent (docs/method.md). Per-family training rates, templates and ZeRO stages, and
per-family evaluation formats, are the family registry's (adamllm/families.py), per-benchmark answer
limits the benchmark registry's; both are checked against the paper's text by the tests.
"""

from __future__ import annotations

from adamllm.deepspeed import deepspeed_config
from adamllm.families import get_family
from adamllm.synth_format import EOS

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
        "freeze_vision_tower": False,
        "global_batch_size": GLOBAL_BATCH_SIZE,
    },
    "predict": {"temperature": 0.0, "max_model_len": 6144, "skip_special_tokens": True},
}

# The reference's per-device batch × accumulation (over 8 GPUs) where it states one.
REFERENCE_BATCH = {"qwen2_vl": (8, 2), "llava_next_llama3": (4, 4)}


def paper_args(rule: str, family: str | None = None, tasks=(), definitions: dict | None = None) -> dict:
    """The paper's value of each argument a job of ``rule`` runs with (only those the paper sets)."""
    values = dict(PAPER.get(rule, {}))
    if rule == "posttrain" and family:
        spec = get_family(family)
        hp = spec.hparams
        values.update(
            template=spec.llamafactory_template,
            learning_rate=hp.learning_rate,
            vision_learning_rate=hp.vision_learning_rate,
            weight_decay=hp.weight_decay,
            warmup_ratio=hp.warmup_ratio,
            deepspeed=deepspeed_config(f"zero{hp.deepspeed_stage}"),
        )
        if family in REFERENCE_BATCH:
            batch, accumulation = REFERENCE_BATCH[family]
            values.update(per_device_train_batch_size=batch, gradient_accumulation_steps=accumulation)
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
