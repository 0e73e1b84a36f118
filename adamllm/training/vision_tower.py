"""A vision tower trained whole beside LoRA adapters (``lora_vision: full``).

LLaMA-Factory trains the tower whole only without LoRA, and PEFT's ``modules_to_save`` cannot stand in: it wraps
modules that their callers pass an input positionally, and most towers are called by keyword (``vision_tower(
pixel_values=...)``) or hold parameters of their own at the top (Mllama's class embedding). So the tower's own
parameters are made trainable when the optimizer is built, and saved beside the adapter when training ends, to
be loaded into the merged checkpoint.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path

from adamllm.models.sizes import composite_keys

TOWER_FILE = "vision_tower.safetensors"  # beside the adapter: the tower's trained tensors, by module name


def is_vision_parameter(model_type: str) -> Callable[[str], bool]:
    """Whether a parameter belongs to the vision tower (the keys LLaMA-Factory's ``freeze_vision_tower``
    freezes); the projector is not part of it."""
    keys = composite_keys(model_type)[0]
    return lambda name: any(key in name for key in keys)


def _base(model):
    return model.get_base_model() if hasattr(model, "get_base_model") else model


def tower_parameters(model, is_vision: Callable[[str], bool]) -> dict:
    """The vision tower's own parameters (no LoRA matrices), by their names in the base model."""
    wrapped = (".lora_", ".modules_to_save.", ".original_module.")  # PEFT's, not the tower's own
    return {name: p for name, p in _base(model).named_parameters()
            if is_vision(name) and not any(w in name for w in wrapped)}  # fmt: skip


def unfreeze_vision_tower(model, is_vision: Callable[[str], bool]) -> int:
    """Make the tower's own parameters trainable, in the precision the adapters train in (LLaMA-Factory upcasts
    those to float32 unless ZeRO-3 holds the weights). Returns how many parameters now train."""
    trained = [p for name, p in model.named_parameters() if p.requires_grad]
    dtype = trained[0].dtype if trained else None
    count = 0
    for parameter in tower_parameters(model, is_vision).values():
        if dtype is not None and parameter.dtype != dtype and parameter.data.numel():
            parameter.data = parameter.data.to(dtype)
        parameter.requires_grad_(True)
        count += parameter.numel()
    if not count:
        raise ValueError(f"{model.config.model_type}: no vision tower parameters to train whole (LLaMA-Factory "
                         "names no tower for this model type)")  # fmt: skip
    return count


def _gathered(parameters):
    """Under ZeRO-3 each GPU holds a shard of every parameter: gather them whole (on every rank) to save them."""
    if any(hasattr(p, "ds_id") for p in parameters):
        from deepspeed.zero import GatheredParameters

        return GatheredParameters(parameters)
    return nullcontext()


def save_callback():
    """A Trainer callback that writes the trained tower to ``<output_dir>/vision_tower.safetensors`` at the end."""
    from safetensors.torch import save_file
    from transformers import TrainerCallback

    class SaveVisionTower(TrainerCallback):
        def on_train_end(self, args, state, control, model=None, **kwargs):
            parameters = tower_parameters(model, is_vision_parameter(model.config.model_type))
            with _gathered(list(parameters.values())):
                if state.is_world_process_zero:
                    out = Path(args.output_dir)
                    out.mkdir(parents=True, exist_ok=True)
                    tensors = {name: p.detach().cpu().contiguous() for name, p in parameters.items()}
                    save_file(tensors, out / TOWER_FILE, metadata={"format": "pt"})

    return SaveVisionTower()


def load_vision_tower(model, adapter: Path) -> int:
    """Load a tower saved by :func:`save_callback` into ``model`` (the merged checkpoint); every saved tensor must
    name one of the model's parameters. Returns how many tensors were loaded."""
    from safetensors.torch import load_file

    path = Path(adapter) / TOWER_FILE
    tensors = load_file(path)
    missing = set(tensors) - dict(model.named_parameters()).keys()
    if missing:
        raise ValueError(f"{path}: tensors the model does not have: {', '.join(sorted(missing)[:3])}")
    model.load_state_dict(tensors, strict=False)
    return len(tensors)
