"""Snakemake script of rule fetch_benchmark: runs adamllm.workflow.stages.fetch_benchmark through run_stage."""

from adamllm.workflow.smk import run_stage

run_stage(snakemake)  # noqa: F821  (snakemake is injected by the script directive)
