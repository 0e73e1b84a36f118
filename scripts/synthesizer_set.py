"""Snakemake script of rule synthesizer_set: runs adamllm.stages.synthesizer_set (adamllm.smk.run_stage)."""

from adamllm.smk import run_stage

run_stage(snakemake)  # noqa: F821  (snakemake is injected by the script directive)
