"""Snakemake script of rule score_predictions: runs adamllm.workflow.stages.score_predictions through run_stage."""

from adamllm.workflow.smk import run_stage

run_stage(snakemake)  # noqa: F821  (snakemake is injected by the script directive)
