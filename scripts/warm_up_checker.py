"""Snakemake script of rule warm_up_checker: runs adamllm.workflow.stages.warm_up_checker through run_stage."""

from adamllm.workflow.smk import run_stage

run_stage(snakemake)  # noqa: F821  (snakemake is injected by the script directive)
