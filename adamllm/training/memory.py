"""GPU memory a post-training job holds per device, before it runs (docs/method.md §7, "Memory"): weights,
gradients and AdamW states by the ZeRO paper's accounting, activations under gradient checkpointing, for full
fine-tuning, LoRA and QLoRA. An estimate for sizing GPUs: allocator overhead, CUDA context and the vision
tower's own activations are not in it."""

from __future__ import annotations

from dataclasses import dataclass

from adamllm.models.sizes import ModelSize

METHODS = ("full", "lora", "qlora")
LORA_RANK = 8  # LLaMA-Factory's default lora_rank
GIB = 1 << 30
BF16, NF4 = 2, 0.5  # bytes per weight: bf16, 4-bit NormalFloat (QLoRA's base weights)
GRADIENT = 2  # bf16 gradients
ADAM = 12  # fp32 master weights, first and second moments
CHECKPOINTED = 2  # bytes per token and hidden unit kept per layer under gradient checkpointing (its bf16 input)
LAYER = 34  # bytes per token and hidden unit of the one layer recomputed (Korthikanti et al. 2022, no s² term)
LOGITS = 4  # bytes per token and vocabulary entry: fp32 logits for the loss


@dataclass(frozen=True)
class Memory:
    method: str
    trainable: int
    weights: float  # bytes per GPU
    gradients: float
    optimizer: float
    activations: float

    @property
    def total(self) -> float:
        return self.weights + self.gradients + self.optimizer + self.activations


def trainable_parameters(size: ModelSize, method: str, freeze_vision_tower: bool, lora_rank: int = LORA_RANK) -> int:
    """Full: everything but a frozen vision tower. LoRA and QLoRA: rank × (inputs + outputs) of each language-model
    linear layer, the projector trained whole (``additional_target``), and the vision tower where it trains whole
    beside them (``lora_vision: full``)."""
    if method == "full":
        return size.total - (size.vision if freeze_vision_tower else 0)
    return lora_rank * size.lora_linear + size.projector + (0 if freeze_vision_tower else size.vision)


def training_memory(size: ModelSize, method: str, zero_stage: int, gpus: int, batch: int, cutoff: int,
                    freeze_vision_tower: bool, lora_rank: int = LORA_RANK) -> Memory:  # fmt: skip
    """Bytes per GPU of a job training ``size`` by ``method`` on ``gpus`` data-parallel GPUs under ZeRO
    ``zero_stage`` (1 shards optimizer states, 2 also gradients, 3 also weights), ``batch`` sequences of
    ``cutoff`` tokens per GPU."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; known: {', '.join(METHODS)}")
    trainable = trainable_parameters(size, method, freeze_vision_tower, lora_rank)
    if method == "qlora":
        weights = BF16 * (size.total - size.quantizable) + NF4 * size.quantizable
    else:
        weights = BF16 * size.total
    weights /= gpus if zero_stage >= 3 else 1
    gradients = GRADIENT * trainable / (gpus if zero_stage >= 2 else 1)
    optimizer = ADAM * trainable / (gpus if zero_stage >= 1 else 1)
    tokens = batch * cutoff
    activations = tokens * (CHECKPOINTED * size.hidden * size.layers + LAYER * size.hidden + LOGITS * size.vocab)
    return Memory(method, trainable, weights, gradients, optimizer, activations)
