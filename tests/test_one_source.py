"""One source of truth: the schema's enums are the registries', and its defaults are the package's."""

import dataclasses
import inspect

import pytest
import yaml
from conftest import ROOT

from adamllm import stages
from adamllm.backends import BACKENDS
from adamllm.families import FAMILIES
from adamllm.posttrain import TRAINING_RECIPES
from adamllm.tuning import TuningSettings

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
    fields = {f.name: f.default for f in dataclasses.fields(TuningSettings)}
    for key, value in node("synthesizer.tuning")["properties"].items():
        assert value["default"] == fields[key], key


@pytest.mark.parametrize(
    "key,function,parameter",
    [
        ("synthesis.max_new_tokens", stages.synthesize, "max_new_tokens"),
        ("synthesis.backend", stages.synthesize, "backend"),
        ("synthesizer.double_bos", stages.synthesize, "double_bos"),
        ("synthesizer.train_instructions", stages.tune_synthesizer, "train_instructions"),
        ("checker.max_new_tokens", stages.consistency_filter, "max_new_tokens"),
        ("chunk_size", stages.synthesize, "chunk_size"),
        ("chunk_size", stages.predict, "chunk_size"),
        ("on_bad_record", stages.prepare_seed, "on_bad_record"),
        ("allow_images_outside_dir", stages.shard_pairs, "allow_images_outside_dir"),
        ("posttrain_data.seed", stages.format_posttrain, "seed"),
        ("posttrain_data.keep_caption_without_task", stages.format_posttrain, "keep_caption_without_task"),
        ("tiny_models.seed", stages.build_tiny, "seed"),
        ("tiny_models.vocab_size", stages.build_tiny, "vocab_size"),
        ("evaluation.backend", stages.predict, "backend"),
    ],
)
def test_schema_defaults_are_the_stages_defaults(key, function, parameter):
    assert node(key)["default"] == default_of(function, parameter)
