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


def check_config_files(paths) -> None:
    """Config files read as strictly as data files: no key given twice in one mapping (YAML would keep the
    last silently), every string Unicode text (adamllm.core.text). Raises :class:`ConfigError` naming file, line
    and key."""
    import yaml

    from adamllm.core.text import unicode_problem

    class StrictLoader(yaml.SafeLoader):
        def construct_mapping(self, node, deep=False):
            seen = set()
            for key_node, _value in node.value:
                key = self.construct_object(key_node, deep=deep)
                if key in seen:
                    raise ConfigError(f"config: {path}, line {key_node.start_mark.line + 1}: key {key!r} given twice")
                seen.add(key)
            return super().construct_mapping(node, deep)

    def walk(value, key):
        if isinstance(value, dict):
            for name, inner in value.items():
                walk(inner, f"{key}.{name}" if key else str(name))
        elif isinstance(value, list):
            for index, inner in enumerate(value):
                walk(inner, f"{key}[{index}]")
        elif isinstance(value, str) and (problem := unicode_problem(value, "it")):
            raise ConfigError(f"config: {path}: {key} {problem[1].removeprefix('it ')}")

    for path in paths:
        try:
            walk(yaml.load(Path(path).read_text(encoding="utf-8"), Loader=StrictLoader), "")
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
            raise ConfigError(f"config: {path}: {err}".splitlines()[0]) from None


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
    from adamllm.models.families import FAMILIES

    family = model[len(TINY_PREFIX) :] if model.startswith(TINY_PREFIX) else family
    if family not in FAMILIES:
        raise ConfigError(f"config: model {model!r} needs a 'family' (one of {', '.join(sorted(FAMILIES))})")
    return family


def check_shards(count: int) -> None:
    """The shard count, from the config or ``--set-scatter shard=N``, must be at least 1."""
    if count < 1:
        raise ConfigError(f"the shard count must be at least 1, not {count}")


def check_config(config: dict) -> dict:
    """Raise :class:`ConfigError` for the first problem found; return the benchmark registry (bundled and
    configured definitions, adamllm.evaluation.tasks)."""
    from adamllm.evaluation.tasks import DefinitionError, domain_benchmarks, registry

    for index, path in enumerate(config["benchmark_definitions"]):
        if not Path(path).exists():
            raise ConfigError(f"config: benchmark_definitions[{index}]: no such file or folder: {path}")
    try:
        benchmarks = registry(config["benchmark_definitions"])
    except DefinitionError as err:
        raise ConfigError(f"config: {err}") from None

    def benchmarks_of(domain):
        names = domain_benchmarks(domain, config, benchmarks)
        for name in names:
            if name not in benchmarks:
                raise ConfigError(f"config: domains.{domain}.benchmarks names {name!r}, which no definition defines "
                                  f"(known: {', '.join(benchmarks)})")  # fmt: skip
        if not names:
            raise ConfigError(f"config: domains.{domain}.benchmarks: no benchmark to evaluate the domain on")
        return names

    for key, section in (("run_domains", "domains"), ("run_targets", "targets")):
        for name in config[key] or []:
            if name not in config[section]:
                raise ConfigError(f"config: {key} names {name!r}, which is not a key of '{section}'")
    for target in config["targets"].values():
        model_family(target["model"], target.get("family"))
    _check_posttrain_settings(config["posttrain"])
    if config["posttrain"]["recipes"]:
        _check_training_inputs(config)
    evaluation = config["evaluation"]
    if evaluation["source"] == "local":
        _exists(config, "evaluation.local_dir", "dir")
    for domain in config["run_domains"]:
        for task in benchmarks_of(domain):
            rows = rows_file(config, benchmarks[task], domain)
            if evaluation["source"] == "local" and not Path(rows).is_file():
                raise ConfigError(f"config: evaluation.local_dir: {evaluation['local_dir']} has no {task}.jsonl "
                                  f"(a benchmark of domain {domain!r})")  # fmt: skip
            if evaluation["source"] == "hub" and not benchmarks[task].hub and not Path(rows).is_file():
                raise ConfigError(f"benchmark definition {benchmarks[task].source}: rows.local: no such file: {rows}")
            if Path(rows).is_file():
                _check_labels(benchmarks[task], rows)
    if any(spec.startswith(TINY_PREFIX) for spec in _model_specs(config)):
        for index, file in enumerate(config["tiny_models"]["corpus"]):
            _exists(config, f"tiny_models.corpus[{index}]", "file", file)
    python = config["vllm"]["python"]
    if python and not (Path(python).is_file() and os.access(python, os.X_OK)):
        raise ConfigError(f"config: vllm.python: not an executable interpreter: {python}")
    return benchmarks


def _check_posttrain_settings(posttrain: dict) -> None:
    """Settings that each pass the schema but cannot go together (shared, and with each family's overrides)."""
    from adamllm.training.posttrain import PostTrainSettings, settings_problem

    for family, overrides in {None: {}, **posttrain["families"]}.items():
        problem = settings_problem(PostTrainSettings.from_config(posttrain["settings"], overrides))
        if problem:
            raise ConfigError(f"config: posttrain.{f'families.{family}' if family else 'settings'}: {problem}")


def rows_file(config: dict, benchmark, domain: str) -> str:
    """Where a benchmark's rows are read from: with ``evaluation.source: local`` the sample set in
    ``local_dir`` (or, when it has none there, the definition's own local file); with ``hub`` the rows
    fetched from its hub dataset (or the definition's own local file when it names no dataset)."""
    sample = Path(config["evaluation"]["local_dir"]) / f"{benchmark.name}.jsonl"
    if config["evaluation"]["source"] == "local" and (sample.is_file() or "local" not in benchmark.rows):
        return str(sample)
    if config["evaluation"]["source"] == "hub" and benchmark.hub:
        return f"resources/benchmarks/{domain}/{benchmark.name}.jsonl"
    return benchmark.rows.get("local") or f"resources/benchmarks/{domain}/{benchmark.name}.jsonl"


def _check_labels(benchmark, rows) -> None:
    """Every label of a class-list benchmark's local rows is in its class list (else the scores of a whole
    run would stop at the end)."""
    from adamllm.core.io import jsonl_values
    from adamllm.evaluation.tasks import internal_row

    if not benchmark.classes:
        return
    known = set(benchmark.classes.values())
    underscores = benchmark.metric.get("classes", {}).get("underscores_as_spaces")
    for line, raw in jsonl_values(rows):
        labels = internal_row(benchmark, raw).get("label") if isinstance(raw, dict) else None
        for label in labels if isinstance(labels, list) else [labels]:
            text = str(label).replace("_", " ") if underscores else str(label)
            if text not in known:
                raise ConfigError(f"{rows}, record at line {line}: label {label!r} is not in the class list of "
                                  f"{benchmark.name} ({benchmark.source})")  # fmt: skip


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
