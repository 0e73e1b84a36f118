"""Snakemake script: The synthesizer's train/dev sets from joined seed records."""
# ruff: noqa: F821  (snakemake is injected by the script directive)

from adamllm import stages
from adamllm.smk import run_logged

run_logged(
    snakemake,
    stages.build_synthesizer_set,
    seed=snakemake.input.seed,
    blank_image=snakemake.input.blank_image,
    train_out=snakemake.output.train,
    dev_out=snakemake.output.dev,
    stats_out=snakemake.output.stats,
    blank_ratio=snakemake.params.blank_ratio,
    dev_ratio=snakemake.params.dev_ratio,
    seed_value=snakemake.params.seed,
)
