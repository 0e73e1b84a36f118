"""Snakemake script of rule shard_pairs: runs adamllm.stages.shard_pairs (adamllm.smk.run_stage)."""

from adamllm.smk import run_stage

run_stage(snakemake)  # noqa: F821  (snakemake is injected by the script directive)
