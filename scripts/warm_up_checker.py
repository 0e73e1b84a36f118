"""Snakemake script: Teach a tiny random checker to answer with a label (demo only)."""
# ruff: noqa: F821  (snakemake is injected by the script directive)

from adamllm import stages
from adamllm.smk import run_logged

run_logged(
    snakemake,
    stages.warm_up_checker,
    base=snakemake.input.base,
    seed=snakemake.input.seed,
    template=snakemake.input.template,
    out=snakemake.output.model,
    loss_out=snakemake.output.loss,
    max_steps=snakemake.params.max_steps,
    learning_rate=snakemake.params.learning_rate,
)
