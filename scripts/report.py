"""Snakemake script of rule report: runs adamllm.workflow.stages.report through run_stage."""

from adamllm.workflow.smk import run_stage

run_stage(snakemake)  # noqa: F821  (snakemake is injected by the script directive)
