"""The workflow used as a Snakemake module from another folder (`module adamllm: snakefile: …` +
`use rule * from adamllm`), as the workflow catalog's users deploy workflows: the demo dry-runs through it,
its bundled files (schema, template, envs, report captions) found beside the module, not the user's folder."""

import os
import re
import subprocess
import sys

import yaml
from conftest import ROOT

USER_SNAKEFILE = """configfile: "config.yaml"


module adamllm:
    snakefile:
        "{snakefile}"
    config:
        config


use rule * from adamllm
"""


def demo_config_for(folder):
    """The demo config with its data paths pointing into the checkout (the user's folder has no data)."""
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    config["seed"]["local"] = {key: str(ROOT / path) for key, path in config["seed"]["local"].items()}
    config["synthesizer_set"]["blank_image"] = str(ROOT / config["synthesizer_set"]["blank_image"])
    for domain in config["domains"].values():
        domain.update(pairs=str(ROOT / domain["pairs"]), image_dir=str(ROOT / domain["image_dir"]))
    config["evaluation"]["local_dir"] = str(ROOT / config["evaluation"]["local_dir"])
    config["tiny_models"]["corpus"] = [str(ROOT / path) for path in config["tiny_models"]["corpus"]]
    (folder / "config.yaml").write_text(yaml.safe_dump(config))


def jobs(output: str) -> dict[str, int]:
    table = output[output.index("Job stats:") :]
    return {name: int(count) for name, count in re.findall(r"^(\w+)\s+(\d+)$", table, re.M) if name != "total"}


def test_demo_dry_runs_through_the_workflow_as_a_module(tmp_path):
    demo_config_for(tmp_path)
    (tmp_path / "Snakefile").write_text(USER_SNAKEFILE.format(snakefile=ROOT / "Snakefile"))
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    used = subprocess.run([sys.executable, "-m", "snakemake", "-n"], cwd=tmp_path, env=env, capture_output=True,
                          text=True)  # fmt: skip
    assert used.returncode == 0, used.stdout[-3000:] + used.stderr[-3000:]
    direct = subprocess.run([sys.executable, "-m", "snakemake", "-n", "--configfile", str(tmp_path / "config.yaml")],
                            cwd=ROOT, env=env, capture_output=True, text=True)  # fmt: skip
    assert direct.returncode == 0, direct.stderr[-3000:]
    assert jobs(used.stdout) == jobs(direct.stdout) and jobs(used.stdout)["posttrain"] == 18
    assert not (tmp_path / "results").exists()
