"""Snakemake script of rule tune_synthesizer: runs adamllm.workflow.stages.tune_synthesizer through run_stage."""

from adamllm.workflow.smk import run_stage

run_stage(snakemake)  # noqa: F821  (snakemake is injected by the script directive)
