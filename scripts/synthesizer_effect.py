"""Snakemake script of rule synthesizer_effect: runs adamllm.stages.synthesizer_effect (adamllm.smk.run_stage)."""

from adamllm.smk import run_stage

run_stage(snakemake)  # noqa: F821  (snakemake is injected by the script directive)
