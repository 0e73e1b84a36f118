"""Checkpoint fix-ups so that every checkpoint we write loads in transformers and in vLLM alike."""

from __future__ import annotations

import json
from pathlib import Path

CLIP_PREFIX = "vision_tower."
TOWER_IN_A_VISION_MODEL = ("llava_next", "gemma3")  # model types whose CLIP / SigLIP tower vLLM names so
CLIP_VLLM_PREFIX = "vision_tower.vision_model."


def _clip_key(key: str) -> str:
    if key.startswith(CLIP_PREFIX) and not key.startswith(CLIP_VLLM_PREFIX):
        return CLIP_VLLM_PREFIX + key[len(CLIP_PREFIX) :]
    return key


def vllm_compatible(checkpoint) -> int:
    """Name a LLaVA-NeXT checkpoint's CLIP tower, or a Gemma-3 checkpoint's SigLIP tower,
    ``vision_tower.vision_model.*`` (what vLLM and the hub checkpoints have; transformers saves
    ``vision_tower.*`` and loads either). Returns the number of renamed tensors."""
    from safetensors.torch import load_file, save_file

    checkpoint = Path(checkpoint)
    config = json.loads((checkpoint / "config.json").read_text())
    if config.get("model_type") not in TOWER_IN_A_VISION_MODEL:
        return 0
    renamed = 0
    for shard in sorted(checkpoint.glob("*.safetensors")):
        tensors = load_file(shard)
        if not any(_clip_key(k) != k for k in tensors):
            continue
        renamed += sum(_clip_key(k) != k for k in tensors)
        tmp = shard.with_name(shard.name + ".tmp")
        save_file({_clip_key(k): v for k, v in tensors.items()}, tmp, metadata={"format": "pt"})
        tmp.replace(shard)
    index = checkpoint / "model.safetensors.index.json"
    if index.exists():
        data = json.loads(index.read_text())
        data["weight_map"] = {_clip_key(k): v for k, v in data["weight_map"].items()}
        index.write_text(json.dumps(data, indent=2))
    return renamed
