"""Snakemake script of rule synthesizer_effect: runs adamllm.workflow.stages.synthesizer_effect through run_stage."""

from adamllm.workflow.smk import run_stage

run_stage(snakemake)  # noqa: F821  (snakemake is injected by the script directive)
