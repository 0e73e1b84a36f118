"""Snakemake script of rule data_summary: runs adamllm.stages.data_summary (adamllm.smk.run_stage)."""

from adamllm.smk import run_stage

run_stage(snakemake)  # noqa: F821  (snakemake is injected by the script directive)
