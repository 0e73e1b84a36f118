"""Snakemake script: Fine-tune the synthesizer; the caption turn never enters the loss."""
# ruff: noqa: F821  (snakemake is injected by the script directive)

from adamllm import stages
from adamllm.smk import run_logged

run_logged(
    snakemake,
    stages.tune_synthesizer,
    base=snakemake.params.base,
    train=snakemake.input.train,
    out=snakemake.output.model,
    loss_out=snakemake.output.loss,
    loss_png=snakemake.output.loss_png,
    tuning=dict(snakemake.params.tuning),
    double_bos=snakemake.params.double_bos,
    train_instructions=snakemake.params.train_instructions,
)
