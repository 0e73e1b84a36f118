"""Parameter counts of a checkpoint from its config.json alone (built on PyTorch's meta device: no weight is
read or allocated), split the way post-training treats them: vision tower, projector, and the language
model's linear layers that LoRA adapts. `adamllm plan` turns them into a memory estimate."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path


@dataclass(frozen=True)
class ModelSize:
    total: int  # every parameter (tied weights once)
    vision: int  # the vision tower: what ``freeze_vision_tower`` freezes
    projector: int  # the projector or merger between tower and language model
    lora_linear: int  # Σ (inputs + outputs) over the language model's linear layers: LoRA of rank r trains r × this
    quantizable: int  # Σ inputs × outputs over the same layers: the weights 4-bit QLoRA stores
    hidden: int  # the language model's hidden size, layers and vocabulary: for activations
    layers: int
    vocab: int


def composite_keys(model_type: str) -> tuple[list[str], list[str]]:
    """(vision tower keys, projector keys) of a multimodal model type, by LLaMA-Factory's own table of composite
    models (the keys its ``freeze_vision_tower`` and ``freeze_multi_modal_projector`` act on)."""
    from llamafactory.model.model_utils.visual import COMPOSITE_MODELS

    model = COMPOSITE_MODELS.get(model_type)
    return (list(model.vision_model_keys), list(model.projector_keys)) if model else ([], [])


def config_file(spec: str) -> Path | None:
    """The config.json of a local checkpoint folder or of a hub id in the local Hugging Face cache, if there."""
    local = Path(spec) / "config.json"
    if local.is_file():
        return local
    from huggingface_hub import try_to_load_from_cache

    try:
        found = try_to_load_from_cache(spec, "config.json")
    except ValueError:  # not a hub id either
        return None
    return Path(found) if isinstance(found, str) else None


@cache
def model_size(spec: str) -> ModelSize | None:
    """The parameter counts of model ``spec`` (a folder or a hub id), or None while its config.json is nowhere
    (a tiny model not built yet, a hub model not downloaded yet)."""
    path = config_file(spec)
    if path is None:
        return None
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoModelForImageTextToText

    config = AutoConfig.from_pretrained(path.parent)
    vision_keys, projector_keys = composite_keys(config.model_type)
    with torch.device("meta"):
        try:
            model = AutoModelForImageTextToText.from_config(config)
        except ValueError:  # a text-only model
            model = AutoModelForCausalLM.from_config(config)
    total = vision = projector = lora_linear = quantizable = 0
    for name, parameter in model.named_parameters():
        total += parameter.numel()
        vision += parameter.numel() if any(key in name for key in vision_keys) else 0
        projector += parameter.numel() if any(key in name for key in projector_keys) else 0
    for name, module in model.named_modules():
        tower = any(key in name for key in (*vision_keys, *projector_keys))
        if isinstance(module, torch.nn.Linear) and not tower and not name.endswith("lm_head"):
            lora_linear += module.in_features + module.out_features
            quantizable += module.in_features * module.out_features
    text = config.get_text_config()
    return ModelSize(total, vision, projector, lora_linear, quantizable, text.hidden_size, text.num_hidden_layers,
                     text.vocab_size)  # fmt: skip
