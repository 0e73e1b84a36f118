"""Building the DAG stays light: no process Snakemake starts (yours, and one per job on a cluster) pays for
torch, transformers, LLaMA-Factory or vLLM just to read the workflow."""

import json
import subprocess
import sys

from conftest import ROOT

HEAVY = ("torch", "transformers", "llamafactory", "vllm", "datasets", "deepspeed")
PROBE = """
import contextlib, json, os, sys
from adamllm.workflow.plan import dag_jobs
with open(os.devnull, "w") as quiet, contextlib.redirect_stdout(quiet), contextlib.redirect_stderr(quiet):
    jobs = dag_jobs(sys.argv[1:])
print(json.dumps({"jobs": len(jobs), "heavy": sorted(m for m in sys.modules if m.split(".")[0] in %r)}))
"""


def test_building_the_paper_dag_imports_no_heavy_package():
    for args in (["--configfile", "config/paper/biomed.yaml"], []):
        result = subprocess.run([sys.executable, "-c", PROBE % (HEAVY,), *args], cwd=ROOT, capture_output=True,
                                text=True, env={"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"})  # fmt: skip
        assert result.returncode == 0, result.stderr[-3000:]
        report = json.loads(result.stdout.strip().splitlines()[-1])
        assert report["jobs"] > 50 and report["heavy"] == [], report


def test_every_family_has_a_tiny_build():
    """The tiny-model rule's wildcard takes the registry's family names (a light import)."""
    from adamllm.models.families import FAMILIES
    from adamllm.models.tiny_models import BUILDERS

    assert set(BUILDERS) == set(FAMILIES)
