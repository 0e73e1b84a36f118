"""One registry of model families: loading class, image token, LLaMA-Factory template, and the post-training
values of both readings (the paper's Table 10, and what the reference's commands ran).

Every stage that needs to know something about a model asks this registry, never ``if model == ...``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

READINGS = ("paper", "reference_code")  # the two readings of post-training (docs/method.md §7)
PAPER_IMAGE_PIXELS = 768 * 768  # the paper states none: LLaMA-Factory's default since 2025-02 (docs/method.md §7)
REFERENCE_IMAGE_PIXELS = 512 * 512  # LLaMA-Factory's `image_resolution` default in late 2024
PAPER = "paper Table 10; per-device batch from the reference commands (global 128)"


@dataclass(frozen=True)
class TrainingHParams:
    """One reading of a family's post-training (docs/method.md §7): the values and where they come from."""

    learning_rate: float
    vision_learning_rate: float | None  # None: the vision tower is frozen (the projector and LLM train)
    weight_decay: float
    warmup_ratio: float
    deepspeed_stage: int
    per_device_batch_size: int
    gradient_accumulation_steps: int  # × per-device batch × 8 GPUs = the global batch
    image_max_pixels: int
    source: str

    @property
    def freeze_vision_tower(self) -> bool:
        return self.vision_learning_rate is None


@dataclass(frozen=True)
class ChatFormat:
    """How the reference's evaluation prompts and decodes a family (docs/method.md, evaluation)."""

    system_message: str | None = None  # a system turn before the user's
    stop: tuple[str, ...] = ()  # end tokens used whatever the checkpoint's generation config says
    image_pixels: tuple[int, int] | None = None  # (min, max): the processor resizes images into this range


LLAMA3_ENDS = ("<|eot_id|>", "<|end_of_text|>")

# Where each reference_code reading comes from (reference docs/Post_Train.md and scripts at 0cb4d19).
LLAMAFACTORY_2024 = ("LLaMA-Factory of late 2024, whose defaults then froze the vision tower in full fine-tuning "
                     "and downscaled images to 512·512 pixels; the command overrides neither")  # fmt: skip
QWEN_COMMAND = f"the reference's Qwen2-VL command (lr 1e-5, 8 × 2 × 8 GPUs, ZeRO-2) on {LLAMAFACTORY_2024}"
MLLAMA_COMMAND = f"the reference's Llama-3.2 command (lr 1e-5, 4 × 4 × 8 GPUs, ZeRO-3) on {LLAMAFACTORY_2024}"
LLAVA_SCRIPT = (
    "the reference's scripts/post_train_mllm.sh in its own LLaVA code base: vision tower trained at 2e-6, "
    "the rest at 2e-5, 4 × 4 × 8 GPUs, ZeRO-3, anyres images (the same values as Table 10)"
)
LLAMAFACTORY_RELEASE = ("its released models were trained by the reference's LLaMA-Factory command, which sets "
                        "neither the vision tower nor the image size: that LLaMA-Factory's defaults froze the one "
                        "and capped the other at 512·512 pixels")  # fmt: skip
QWEN2_5_DEFAULTS = ("no paper value: the authors' Qwen2.5-VL-3B release states 1 epoch, lr 1e-5 and global batch "
                    "128; the rest follows their Qwen2-VL command (8 × 2 × 8 GPUs, ZeRO-2, warm-up and weight "
                    "decay 0.1) on LLaMA-Factory 0.9.5's defaults (vision tower frozen, images ≤ 768·768 "
                    "pixels)")  # fmt: skip
QWEN2_VALUES = ("no paper value: the Qwen2-VL command's values (lr 1e-5, 8 × 2 × 8 GPUs, ZeRO-2, warm-up and "
                "weight decay 0.1) on LLaMA-Factory 0.9.5's defaults (vision tower frozen")  # fmt: skip
LLAMAFACTORY_DEFAULTS = f"{QWEN2_VALUES}, images ≤ 768·768 pixels)"
# InternVL3's own system turn (its chat code and LLaMA-Factory's ``intern_vl`` template both add it).
INTERNVL_SYSTEM = ("你是书生·万象，英文名是InternVL，"
                   "是由上海人工智能实验室、清华大学及多家合作单位联合开发的多模态大语言模型。")  # fmt: skip
# InternVL's processor cuts the original image into at most 12 tiles and a thumbnail, choosing the grid by its size:
# LLaMA-Factory must not shrink it first (its default cap, 768·768) or training sees another grid than evaluation.
UNSHRUNK_IMAGE_PIXELS = 8192 * 8192
INTERNVL_DEFAULTS = (f"{QWEN2_VALUES}), images not shrunk before InternVL's processor tiles them (≤ 12 tiles of "
                     "448·448 pixels and a thumbnail)")  # fmt: skip


def qwen2_command(image_max_pixels: int, source: str) -> TrainingHParams:
    """The reference's Qwen2-VL command's values (lr 1e-5, vision tower frozen, weight decay and warm-up 0.1,
    ZeRO-2, 8 × 2 per GPU), with an image cap and a source: what the newer families default to as well."""
    return TrainingHParams(1e-5, None, 0.1, 0.1, 2, 8, 2, image_max_pixels, source)


LLAVA_RELEASE = ("its released models were trained by the reference's LLaVA script, whose values are Table 10's: "
                 "both readings agree")  # fmt: skip


@dataclass(frozen=True)
class ModelFamily:
    name: str
    multimodal: bool
    image_token: str | None = None
    llamafactory_template: str | None = None
    readings: dict[str, TrainingHParams] | None = None  # READINGS → values, for the paper's three families
    defaults: TrainingHParams | None = None  # a newer family's own values: the paper has none for it
    released_reading: tuple[str, str] | None = None  # (reading, why) the authors' released models most likely followed
    chat: ChatFormat = ChatFormat()
    max_aspect_ratio: float | None = None  # long side / short side its image processor accepts
    vllm: bool = True  # vLLM 0.32 no longer runs Mllama: its generations fall back to transformers
    model_type: str | None = None  # transformers' model_type: where its vision tower and projector are named
    # LLaMA-Factory arguments the family trains with besides the readings' (so it trains on images as it sees them)
    llamafactory_args: dict = field(default_factory=dict)

    def hparams(self, reading: str = "paper") -> TrainingHParams:
        """This family's post-training values under ``reading`` (a family the paper did not train has its own
        defaults under either); an error when it is no target or the reading is unknown."""
        if self.llamafactory_template is None or (self.readings is None and self.defaults is None):
            raise ValueError(f"family {self.name!r} is not a post-training target")
        if reading not in READINGS:
            raise ValueError(f"unknown post-training reading {reading!r}; known: {', '.join(READINGS)}")
        return self.readings[reading] if self.readings else self.defaults


FAMILIES = {
    family.name: family
    for family in (
        ModelFamily("llama", multimodal=False),
        ModelFamily("llava_next_synthesizer", multimodal=True, image_token="<|reserved_special_token_4|>"),
        ModelFamily(
            "qwen2_vl",
            multimodal=True,
            model_type="qwen2_vl",
            image_token="<|image_pad|>",
            llamafactory_template="qwen2_vl",
            readings={
                "paper": TrainingHParams(1e-5, 1e-5, 0.1, 0.1, 2, 8, 2, PAPER_IMAGE_PIXELS, PAPER),
                "reference_code": qwen2_command(REFERENCE_IMAGE_PIXELS, QWEN_COMMAND),
            },
            released_reading=("reference_code", LLAMAFACTORY_RELEASE),
            chat=ChatFormat("You are a helpful assistant.", image_pixels=(224 * 224, 1280 * 28 * 28)),
            max_aspect_ratio=200,
        ),
        ModelFamily(
            "qwen2_5_vl",
            multimodal=True,
            model_type="qwen2_5_vl",
            image_token="<|image_pad|>",
            llamafactory_template="qwen2_vl",  # LLaMA-Factory's template for Qwen2-VL and Qwen2.5-VL alike
            defaults=qwen2_command(PAPER_IMAGE_PIXELS, QWEN2_5_DEFAULTS),
            # The model card's pixel range (256 to 1280 tokens of 28·28 pixels); the processor's aspect limit.
            chat=ChatFormat("You are a helpful assistant.", image_pixels=(256 * 28 * 28, 1280 * 28 * 28)),
            max_aspect_ratio=200,
        ),
        ModelFamily(
            "qwen3_vl",
            multimodal=True,
            model_type="qwen3_vl",
            image_token="<|image_pad|>",
            llamafactory_template="qwen3_vl_nothink",  # the Instruct models: no thinking turn
            defaults=qwen2_command(PAPER_IMAGE_PIXELS, LLAMAFACTORY_DEFAULTS),
            chat=ChatFormat(),  # no system turn; the processor's own pixel range
            max_aspect_ratio=200,
        ),
        ModelFamily(
            "gemma3",
            multimodal=True,
            model_type="gemma3",
            image_token="<image_soft_token>",
            llamafactory_template="gemma3",
            defaults=qwen2_command(PAPER_IMAGE_PIXELS, LLAMAFACTORY_DEFAULTS),
            chat=ChatFormat(stop=("<end_of_turn>",)),  # images resized to the tower's square: no pixel range
            # vLLM 0.32 (CPU) decoded a LoRA-trained tiny Gemma-3 otherwise than transformers from the first token
            # of an image prompt (its projector had started at transformers' zero; drawn, both agreed): until the
            # cause is known its generations fall back to transformers.
            vllm=False,
        ),
        ModelFamily(
            "internvl",
            multimodal=True,
            model_type="internvl",  # InternVL3 in Hugging Face format (the ``-hf`` repositories)
            image_token="<IMG_CONTEXT>",
            llamafactory_template="intern_vl",
            defaults=qwen2_command(UNSHRUNK_IMAGE_PIXELS, INTERNVL_DEFAULTS),
            chat=ChatFormat(INTERNVL_SYSTEM),  # images cut into 448-pixel tiles and a thumbnail: no pixel range
            # transformers' and vLLM's InternVL processors tile each image; LLaMA-Factory does only when asked.
            llamafactory_args={"crop_to_patches": True},
        ),
        ModelFamily(
            "llava_next_llama3",
            multimodal=True,
            model_type="llava_next",
            image_token="<image>",
            llamafactory_template="llava_next_llama3",
            readings={
                "paper": TrainingHParams(2e-5, 2e-6, 0.0, 0.03, 3, 4, 4, PAPER_IMAGE_PIXELS, PAPER),
                "reference_code": TrainingHParams(2e-5, 2e-6, 0.0, 0.03, 3, 4, 4, PAPER_IMAGE_PIXELS, LLAVA_SCRIPT),
            },
            released_reading=("paper", LLAVA_RELEASE),
            chat=ChatFormat(stop=LLAMA3_ENDS),
        ),
        ModelFamily(
            "mllama",
            multimodal=True,
            model_type="mllama",
            image_token="<|image|>",
            llamafactory_template="mllama",
            readings={
                "paper": TrainingHParams(5e-6, 5e-6, 0.1, 0.1, 3, 4, 4, PAPER_IMAGE_PIXELS, PAPER),
                "reference_code": TrainingHParams(
                    1e-5, None, 0.1, 0.1, 3, 4, 4, REFERENCE_IMAGE_PIXELS, MLLAMA_COMMAND
                ),
            },
            released_reading=("reference_code", LLAMAFACTORY_RELEASE),
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
