"""The optimizer both trainings use: AdamW with the vision tower at its own learning rate."""

from __future__ import annotations

from collections.abc import Callable


def parameter_groups(model, learning_rate: float, vision_learning_rate: float, weight_decay: float,
                     is_vision: Callable[[str], bool]) -> list[dict]:  # fmt: skip
    """Trainable parameters grouped by learning rate (vision tower or the rest) and weight decay (none
    for biases and norms, as the Hugging Face Trainer decides)."""
    from transformers import Trainer

    decay = set(Trainer.get_decay_parameter_names(None, model))  # uses no trainer state
    groups: dict[tuple[float, float], list] = {}
    for name, param in model.named_parameters():
        if param.requires_grad:
            key = (vision_learning_rate if is_vision(name) else learning_rate, weight_decay if name in decay else 0.0)
            groups.setdefault(key, []).append(param)
    return [{"params": params, "lr": lr, "weight_decay": wd} for (lr, wd), params in groups.items()]


def two_rate_optimizer(model, training_args, vision_learning_rate: float, is_vision: Callable[[str], bool]):
    """The optimizer ``training_args`` ask for (AdamW by default), over :func:`parameter_groups`."""
    from transformers import Trainer

    optimizer_cls, kwargs = Trainer.get_optimizer_cls_and_kwargs(training_args, model)
    groups = parameter_groups(
        model, training_args.learning_rate, vision_learning_rate, training_args.weight_decay, is_vision
    )
    return optimizer_cls(groups, **kwargs)
