"""One source of truth: the schema's enums are the registries', and its defaults are the package's."""

import dataclasses
import inspect
import typing

import pytest
import yaml
from conftest import ROOT

from adamllm.data.posttrain_data import DATA_RECIPES
from adamllm.generation.backends import BACKENDS, Engine
from adamllm.models.families import FAMILIES
from adamllm.training.posttrain import TRAINING_RECIPES
from adamllm.training.tuning import TuningSettings
from adamllm.workflow import stages

SCHEMA = yaml.safe_load((ROOT / "config" / "schema.yaml").read_text())


def node(path: str) -> dict:
    """The schema node of a config key, e.g. 'synthesizer.tuning.epochs'."""
    current = SCHEMA
    for part in path.split("."):
        current = current["properties"][part]
    return current


def default_of(function, parameter: str):
    return inspect.signature(function).parameters[parameter].default


def test_schema_enums_are_the_registries():
    assert set(node("posttrain.recipes")["items"]["enum"]) == set(TRAINING_RECIPES)
    targets = {name for name, family in FAMILIES.items() if family.llamafactory_template}
    assert set(SCHEMA["properties"]["targets"]["additionalProperties"]["properties"]["family"]["enum"]) == targets
    for key in ("synthesis.backend", "evaluation.backend"):
        assert tuple(node(key)["enum"]) == BACKENDS


def test_tuning_defaults_are_the_packages():
    """Every default the schema states is the package's; a key it states none for (report_to, added later, so
    that finished tunings' params stay as they were) takes the package's and must exist there."""
    fields = {f.name: f.default for f in dataclasses.fields(TuningSettings)}
    for key, value in node("synthesizer.tuning")["properties"].items():
        assert value.get("default", fields[key]) == fields[key], key
    assert not {k for k, v in node("synthesizer.tuning")["properties"].items() if "default" not in v} - {"report_to"}


ENGINE_DEFAULTS = {f.name: f.default for f in dataclasses.fields(Engine)}


@pytest.mark.parametrize(
    "key,function,parameter",
    [
        ("synthesis.max_new_tokens", stages.synthesize, "max_new_tokens"),
        ("synthesizer.double_bos", stages.synthesize, "double_bos"),
        ("synthesizer.train_instructions", stages.tune_synthesizer, "train_instructions"),
        ("synthesizer_set.blank_ratio", stages.synthesizer_set, "blank_ratio"),
        ("synthesizer_set.dev_ratio", stages.synthesizer_set, "dev_ratio"),
        ("synthesizer_set.seed", stages.synthesizer_set, "random_seed"),
        ("checker.max_new_tokens", stages.consistency_filter, "max_new_tokens"),
        ("checker.warmup.max_steps", stages.warm_up_checker, "max_steps"),
        ("checker.warmup.learning_rate", stages.warm_up_checker, "learning_rate"),
        ("chunk_size", stages.synthesize, "chunk_size"),
        ("chunk_size", stages.predict, "chunk_size"),
        ("on_bad_record", stages.prepare_seed, "on_bad_record"),
        ("allow_images_outside_dir", stages.shard_pairs, "allow_images_outside_dir"),
        ("posttrain_data.seed", stages.posttrain_data, "random_seed"),
        ("posttrain_data.keep_caption_without_task", stages.posttrain_data, "keep_caption_without_task"),
        ("tiny_models.seed", stages.build_tiny_model, "random_seed"),
        ("tiny_models.vocab_size", stages.build_tiny_model, "vocab_size"),
        ("evaluation.max_new_tokens_cap", stages.predict, "max_new_tokens_cap"),
    ],
)
def test_schema_defaults_are_the_stages_defaults(key, function, parameter):
    assert node(key)["default"] == default_of(function, parameter)


@pytest.mark.parametrize("key", ["synthesis.backend", "evaluation.backend"])
def test_schema_backend_default_is_the_engines(key):
    assert node(key)["default"] == ENGINE_DEFAULTS["backend"]


def test_stage_enums_are_the_registries():
    """The command line's choices come from the stages' signatures: those are the registries too."""
    hints = typing.get_type_hints(stages.posttrain_data)
    assert typing.get_args(hints["recipe"]) == DATA_RECIPES
    assert typing.get_args(typing.get_type_hints(Engine)["backend"]) == BACKENDS
    assert typing.get_args(stages.OnBadRecord) == tuple(node("on_bad_record")["enum"])
