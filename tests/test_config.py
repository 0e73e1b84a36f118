"""config/schema.yaml: defaults filled; unknown keys and wrong types rejected, naming the key."""

import copy

import pytest
import yaml
from conftest import ROOT
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

SCHEMA = str(ROOT / "config" / "schema.yaml")
DEMO = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())


@pytest.mark.parametrize("name", ["config/config.yaml", "config/paper/biomed.yaml", "config/paper/food.yaml"])
def test_shipped_configs_validate(name):
    config = copy.deepcopy(DEMO)
    config.update(yaml.safe_load((ROOT / name).read_text()))
    validate(config, SCHEMA)


def test_defaults_are_filled():
    config = {"run_domains": ["x"], "domains": {"x": {"pairs": "p.json", "image_dir": "img"}}}
    validate(config, SCHEMA)
    assert config["synthesis"]["max_new_tokens"] == 512
    assert config["synthesizer"]["tuning"]["learning_rate"] == 2e-5
    assert config["checker"]["model"] == "meta-llama/Meta-Llama-3-8B"
    assert config["on_bad_record"] == "stop"


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
