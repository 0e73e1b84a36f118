"""Snakemake script of rule build_tiny_model: runs adamllm.workflow.stages.build_tiny_model through run_stage."""

from adamllm.workflow.smk import run_stage

run_stage(snakemake)  # noqa: F821  (snakemake is injected by the script directive)
