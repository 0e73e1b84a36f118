"""Snakemake script: Build a tiny random model of a family (see adamllm.tiny_models)."""
# ruff: noqa: F821  (snakemake is injected by the script directive)

from adamllm import stages
from adamllm.smk import run_logged

run_logged(
    snakemake,
    stages.build_tiny,
    family=snakemake.wildcards.family,
    out=snakemake.output[0],
    corpus=list(snakemake.input.corpus),
    seed=snakemake.params.seed,
    vocab_size=snakemake.params.vocab_size,
)
