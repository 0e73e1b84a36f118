"""Snakemake script of rule data_summary: runs adamllm.workflow.stages.data_summary through run_stage."""

from adamllm.workflow.smk import run_stage

run_stage(snakemake)  # noqa: F821  (snakemake is injected by the script directive)
