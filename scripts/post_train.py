"""Snakemake script: full fine-tune of a target model with LLaMA-Factory on one recipe's data."""
# ruff: noqa: F821  (snakemake is injected by the script directive)

from adamllm import stages
from adamllm.smk import run_logged

run_logged(
    snakemake,
    stages.post_train,
    family=snakemake.params.family,
    base=snakemake.params.base,
    data=snakemake.input.data,
    info=snakemake.input.info,
    out=snakemake.output.model,
    loss_json=snakemake.output.loss,
    loss_png=snakemake.output.loss_png,
    settings=dict(snakemake.params.settings),
    title=snakemake.params.title,
)
