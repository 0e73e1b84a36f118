"""DeepSpeed configs: the bundled ZeRO-2 and ZeRO-3 files, or a user's own."""

from __future__ import annotations

import json
from pathlib import Path

from adamllm import TEMPLATES

BUNDLED = {f"zero{stage}": TEMPLATES / f"deepspeed_zero{stage}.json" for stage in (2, 3)}


def deepspeed_config(spec: str | None) -> str | None:
    """The config file of ``spec``: ``zero2``/``zero3`` name the bundled ones, anything else is a path."""
    if spec is None:
        return None
    return str(BUNDLED.get(spec, spec))


def zero_stage(config_path: str | None) -> int:
    """The ZeRO stage a DeepSpeed config file sets (0 without DeepSpeed)."""
    if config_path is None:
        return 0
    return int(json.loads(Path(config_path).read_text())["zero_optimization"]["stage"])
