"""One registry of model families: loading class, image token, LLaMA-Factory template, training hyper-parameters.

Every stage that needs to know something about a model asks this registry, never ``if model == ...``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TrainingHParams:
    """Post-training hyper-parameters of docs/method.md §7 (paper Table 10)."""

    learning_rate: float
    vision_learning_rate: float
    weight_decay: float
    warmup_ratio: float
    deepspeed_stage: int


@dataclass(frozen=True)
class ChatFormat:
    """How the reference's evaluation prompts and decodes a family (docs/method.md, evaluation)."""

    system_message: str | None = None  # a system turn before the user's
    stop: tuple[str, ...] = ()  # end tokens used whatever the checkpoint's generation config says
    image_pixels: tuple[int, int] | None = None  # (min, max): the processor resizes images into this range


LLAMA3_ENDS = ("<|eot_id|>", "<|end_of_text|>")


@dataclass(frozen=True)
class ModelFamily:
    name: str
    multimodal: bool
    image_token: str | None = None
    llamafactory_template: str | None = None
    hparams: TrainingHParams | None = None
    chat: ChatFormat = ChatFormat()
    max_aspect_ratio: float | None = None  # long side / short side its image processor accepts
    vllm: bool = True  # vLLM 0.32 no longer runs Mllama: its generations fall back to transformers


FAMILIES = {
    family.name: family
    for family in (
        ModelFamily("llama", multimodal=False),
        ModelFamily("llava_next_synthesizer", multimodal=True, image_token="<|reserved_special_token_4|>"),
        ModelFamily(
            "qwen2_vl",
            multimodal=True,
            image_token="<|image_pad|>",
            llamafactory_template="qwen2_vl",
            hparams=TrainingHParams(1e-5, 1e-5, 0.1, 0.1, 2),
            chat=ChatFormat("You are a helpful assistant.", image_pixels=(224 * 224, 1280 * 28 * 28)),
            max_aspect_ratio=200,
        ),
        ModelFamily(
            "llava_next_llama3",
            multimodal=True,
            image_token="<image>",
            llamafactory_template="llava_next_llama3",
            hparams=TrainingHParams(2e-5, 2e-6, 0.0, 0.03, 3),
            chat=ChatFormat(stop=LLAMA3_ENDS),
        ),
        ModelFamily(
            "mllama",
            multimodal=True,
            image_token="<|image|>",
            llamafactory_template="mllama",
            hparams=TrainingHParams(5e-6, 5e-6, 0.1, 0.1, 3),
            chat=ChatFormat(stop=LLAMA3_ENDS),
            vllm=False,
        ),
    )
}


def get_family(name: str) -> ModelFamily:
    """The registered family ``name``; an unknown name is an error that lists the known ones."""
    try:
        return FAMILIES[name]
    except KeyError:
        raise ValueError(f"unknown model family {name!r}; known: {', '.join(sorted(FAMILIES))}") from None
