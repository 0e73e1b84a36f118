"""Snakemake script: scores of each task's predictions of one model."""
# ruff: noqa: F821  (snakemake is injected by the script directive)

from adamllm import stages
from adamllm.smk import run_logged

run_logged(
    snakemake,
    stages.score,
    predictions_dir=snakemake.input[0],
    out_dir=snakemake.output[0],
    tasks=list(snakemake.params.tasks),
)
