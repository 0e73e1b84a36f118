"""Snakemake script of rule build_tiny_model: runs adamllm.stages.build_tiny_model (adamllm.smk.run_stage)."""

from adamllm.smk import run_stage

run_stage(snakemake)  # noqa: F821  (snakemake is injected by the script directive)
