"""Snakemake script of rule parse_and_pair: runs adamllm.workflow.stages.parse_and_pair through run_stage."""

from adamllm.workflow.smk import run_stage

run_stage(snakemake)  # noqa: F821  (snakemake is injected by the script directive)
