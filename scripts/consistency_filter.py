"""Snakemake script of rule consistency_filter: runs adamllm.stages.consistency_filter (adamllm.smk.run_stage)."""

from adamllm.smk import run_stage

run_stage(snakemake)  # noqa: F821  (snakemake is injected by the script directive)
