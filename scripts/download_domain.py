"""Snakemake script of rule download_domain: runs adamllm.stages.download_domain (adamllm.smk.run_stage)."""

from adamllm.smk import run_stage

run_stage(snakemake)  # noqa: F821  (snakemake is injected by the script directive)
