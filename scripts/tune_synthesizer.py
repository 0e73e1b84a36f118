"""Snakemake script of rule tune_synthesizer: runs adamllm.stages.tune_synthesizer (adamllm.smk.run_stage)."""

from adamllm.smk import run_stage

run_stage(snakemake)  # noqa: F821  (snakemake is injected by the script directive)
