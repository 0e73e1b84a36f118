"""Snakemake script of rule merge_tasks: runs adamllm.workflow.stages.merge_tasks through run_stage."""

from adamllm.workflow.smk import run_stage

run_stage(snakemake)  # noqa: F821  (snakemake is injected by the script directive)
