"""Snakemake script of rule shard_pairs: runs adamllm.workflow.stages.shard_pairs through run_stage."""

from adamllm.workflow.smk import run_stage

run_stage(snakemake)  # noqa: F821  (snakemake is injected by the script directive)
