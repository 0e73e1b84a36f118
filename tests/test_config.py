"""config/schema.yaml: defaults filled; unknown keys and wrong types rejected, naming the key."""

import copy

import pytest
import yaml
from conftest import ROOT
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

SCHEMA = str(ROOT / "config" / "schema.yaml")
DEMO = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())


@pytest.mark.parametrize(
    "name",
    ["config/config.yaml", "config/paper/biomed.yaml", "config/paper/food.yaml", "config/paper/audit-released.yaml"],
)
def test_shipped_configs_validate_on_their_own(name):
    """Each config is complete: a paper config is never merged over the demo."""
    validate(yaml.safe_load((ROOT / name).read_text()), SCHEMA)


def test_defaults_are_filled():
    config = {"run_domains": ["x"], "domains": {"x": {"pairs": "p.json", "image_dir": "img"}}}
    validate(config, SCHEMA)
    assert config["synthesis"]["max_new_tokens"] == 512
    assert config["synthesizer"]["tuning"]["learning_rate"] == 2e-5
    assert config["checker"]["model"] == "meta-llama/Meta-Llama-3-8B"
    assert config["on_bad_record"] == "stop"


def test_schema_defaults_are_the_papers():
    """A key a config leaves out gets the paper's value (Table 9, synthesis and evaluation settings)."""
    config = {"run_domains": ["x"], "domains": {"x": {"pairs": "p.json", "image_dir": "img"}}}
    validate(config, SCHEMA)
    tuning = config["synthesizer"]["tuning"]
    assert (tuning["epochs"], tuning["learning_rate"], tuning["vision_learning_rate"], tuning["warmup_ratio"]) == (
        2, 2e-5, 2e-6, 0.03)  # fmt: skip
    assert tuning["per_device_batch_size"] * tuning["gradient_accumulation_steps"] * 8 == 128
    assert (tuning["max_length"], tuning["bf16"], tuning["deepspeed"]) == (6144, True, "zero3")
    assert config["synthesizer"]["train_instructions"] is True
    assert (config["synthesis"]["max_model_len"], config["evaluation"]["max_model_len"]) == (4096, 6144)
    assert config["synthesis"]["shards"] == 64 and config["synthesis"]["backend"] == "vllm"


def test_unknown_key_is_rejected_by_name():
    config = copy.deepcopy(DEMO)
    config["synthesis"]["max_new_token"] = 5
    with pytest.raises(WorkflowError, match="max_new_token"):
        validate(config, SCHEMA)


def test_wrong_type_is_rejected_by_name():
    config = copy.deepcopy(DEMO)
    config["synthesis"]["shards"] = "four"
    with pytest.raises(WorkflowError, match="shards"):
        validate(config, SCHEMA)
