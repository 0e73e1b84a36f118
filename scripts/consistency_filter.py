"""Snakemake script of rule consistency_filter: runs adamllm.workflow.stages.consistency_filter through run_stage."""

from adamllm.workflow.smk import run_stage

run_stage(snakemake)  # noqa: F821  (snakemake is injected by the script directive)
