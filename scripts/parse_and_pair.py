"""Snakemake script of rule parse_and_pair: runs adamllm.stages.parse_and_pair (adamllm.smk.run_stage)."""

from adamllm.smk import run_stage

run_stage(snakemake)  # noqa: F821  (snakemake is injected by the script directive)
