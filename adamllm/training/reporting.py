"""Where training logs go besides the loss curves the workflow draws: the integrations the Hugging Face
``Trainer`` (and LLaMA-Factory through it) reports to, checked when a training job starts, before a model
is loaded."""

from __future__ import annotations

import importlib.util

from adamllm.core.errors import BadInputError

# Integration → the packages the Trainer can use for it (any one of them).
INTEGRATIONS = {"tensorboard": ("tensorboard", "tensorboardX"), "wandb": ("wandb",), "mlflow": ("mlflow",)}


def require_integrations(integrations, setting: str) -> None:
    """One line naming the config key ``setting`` and an unknown integration in it, or one whose package this
    job's environment lacks."""
    for name in integrations or ():
        if name not in INTEGRATIONS:
            raise BadInputError(setting, f"unknown integration {name!r}; known: {', '.join(INTEGRATIONS)}")
        if not any(importlib.util.find_spec(package) for package in INTEGRATIONS[name]):
            package = INTEGRATIONS[name][0]
            raise BadInputError(setting, f"{name} needs the {package} package in this job's environment "
                                         f"(pip install {package})")  # fmt: skip
