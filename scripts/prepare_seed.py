"""Snakemake script of rule prepare_seed: runs adamllm.stages.prepare_seed (adamllm.smk.run_stage)."""

from adamllm.smk import run_stage

run_stage(snakemake)  # noqa: F821  (snakemake is injected by the script directive)
