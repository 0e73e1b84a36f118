"""Snakemake script of rule score_predictions: runs adamllm.stages.score_predictions (adamllm.smk.run_stage)."""

from adamllm.smk import run_stage

run_stage(snakemake)  # noqa: F821  (snakemake is injected by the script directive)
