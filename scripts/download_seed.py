"""Snakemake script of rule download_seed: runs adamllm.workflow.stages.download_seed through run_stage."""

from adamllm.workflow.smk import run_stage

run_stage(snakemake)  # noqa: F821  (snakemake is injected by the script directive)
