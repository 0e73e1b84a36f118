"""Snakemake script of rule predict: runs adamllm.workflow.stages.predict through run_stage."""

from adamllm.workflow.smk import run_stage

run_stage(snakemake)  # noqa: F821  (snakemake is injected by the script directive)
