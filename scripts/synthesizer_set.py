"""Snakemake script of rule synthesizer_set: runs adamllm.workflow.stages.synthesizer_set through run_stage."""

from adamllm.workflow.smk import run_stage

run_stage(snakemake)  # noqa: F821  (snakemake is injected by the script directive)
