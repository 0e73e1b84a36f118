"""Snakemake script of rule posttrain_data: runs adamllm.stages.posttrain_data (adamllm.smk.run_stage)."""

from adamllm.smk import run_stage

run_stage(snakemake)  # noqa: F821  (snakemake is injected by the script directive)
