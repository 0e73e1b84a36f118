"""Snakemake script of rule posttrain_data: runs adamllm.workflow.stages.posttrain_data through run_stage."""

from adamllm.workflow.smk import run_stage

run_stage(snakemake)  # noqa: F821  (snakemake is injected by the script directive)
