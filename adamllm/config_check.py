"""What config/schema.yaml cannot say, checked before any job runs: names that refer to each other, model
families, and every configured path (it exists and has the right kind). Errors name the config key.

Without these checks a run could look fine while being wrong: with its outputs present, Snakemake does
not re-plan a job whose configured input was pointed at a file that does not exist.
"""

from __future__ import annotations

import os
from pathlib import Path

TINY_PREFIX = "tiny:"


class ConfigError(ValueError):
    """A config value that cannot work; the message starts with ``config: <key>``."""


def _exists(config: dict, key: str, kind: str, value=None) -> None:
    """The path at ``key`` (or ``value``, described by ``key``) is a ``file`` or a ``dir``."""
    if value is None:
        value = config
        for part in key.split("."):
            value = value[part]
    path = Path(value)
    if kind == "file" and not path.is_file():
        reason = "is a folder, not a file" if path.is_dir() else "no such file"
        raise ConfigError(f"config: {key}: {reason}: {value}")
    if kind == "dir" and not path.is_dir():
        reason = "is a file, not a folder" if path.exists() else "no such folder"
        raise ConfigError(f"config: {key}: {reason}: {value}")


def model_family(model: str, family: str | None = None) -> str:
    """The registry family of a model spec: given by 'tiny:<family>' or by an explicit family key."""
    from adamllm.families import FAMILIES

    family = model[len(TINY_PREFIX) :] if model.startswith(TINY_PREFIX) else family
    if family not in FAMILIES:
        raise ConfigError(f"config: model {model!r} needs a 'family' (one of {', '.join(sorted(FAMILIES))})")
    return family


def check_config(config: dict, benchmarks_of) -> None:
    """Raise :class:`ConfigError` for the first problem found; ``benchmarks_of(domain)`` lists a domain's
    benchmark names."""
    for key, section in (("run_domains", "domains"), ("run_targets", "targets")):
        for name in config[key] or []:
            if name not in config[section]:
                raise ConfigError(f"config: {key} names {name!r}, which is not a key of '{section}'")
    for target in config["targets"].values():
        model_family(target["model"], target.get("family"))
    if config["posttrain"]["recipes"]:
        _check_training_inputs(config)
    evaluation = config["evaluation"]
    if evaluation["source"] == "local":
        _exists(config, "evaluation.local_dir", "dir")
        for domain in config["run_domains"]:
            for task in benchmarks_of(domain):
                if not (Path(evaluation["local_dir"]) / f"{task}.jsonl").is_file():
                    raise ConfigError(
                        f"config: evaluation.local_dir: {evaluation['local_dir']} has no {task}.jsonl "
                        f"(a benchmark of domain {domain!r})"
                    )
    if any(spec.startswith(TINY_PREFIX) for spec in _model_specs(config)):
        for index, file in enumerate(config["tiny_models"]["corpus"]):
            _exists(config, f"tiny_models.corpus[{index}]", "file", file)
    python = config["vllm"]["python"]
    if python and not (Path(python).is_file() and os.access(python, os.X_OK)):
        raise ConfigError(f"config: vllm.python: not an executable interpreter: {python}")


def _check_training_inputs(config: dict) -> None:
    seed = config["seed"]
    if not seed.get(seed["source"]):
        raise ConfigError(f"config: seed.source is {seed['source']!r} but seed.{seed['source']} is missing")
    if seed["source"] == "local":
        for name, kind in (("visionflan_metadata", "file"), ("allava_caption", "file"),
                           ("allava_instruct", "file"), ("image_dir", "dir")):  # fmt: skip
            if name not in seed["local"]:
                raise ConfigError(f"config: seed.local.{name} is missing")
            _exists(config, f"seed.local.{name}", kind)
    _exists(config, "synthesizer_set.blank_image", "file")
    if config["checker"]["template"]:
        _exists(config, "checker.template", "file")
    deepspeed = config["synthesizer"]["tuning"]["deepspeed"]
    if deepspeed and deepspeed not in ("zero2", "zero3"):
        _exists(config, "synthesizer.tuning.deepspeed", "file")
    for domain in config["run_domains"]:
        source = config["domains"][domain]
        if "hub" in source:
            continue
        if not {"pairs", "image_dir"} <= source.keys():
            raise ConfigError(f"config: domains.{domain} needs 'pairs' and 'image_dir', or 'hub'")
        _exists(config, f"domains.{domain}.pairs", "file")
        _exists(config, f"domains.{domain}.image_dir", "dir")


def _model_specs(config: dict) -> list[str]:
    specs = [t["model"] for t in config["targets"].values()]
    if config["posttrain"]["recipes"]:
        specs += [config["synthesizer"]["base"], config["checker"]["model"]]
    return specs
