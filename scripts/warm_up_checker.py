"""Snakemake script of rule warm_up_checker: runs adamllm.stages.warm_up_checker (adamllm.smk.run_stage)."""

from adamllm.smk import run_stage

run_stage(snakemake)  # noqa: F821  (snakemake is injected by the script directive)
