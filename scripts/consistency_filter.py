"""Snakemake script: Judge every triplet with the checker; ``consistent`` is true only for a 'yes'."""
# ruff: noqa: F821  (snakemake is injected by the script directive)

from adamllm import stages
from adamllm.smk import run_logged

run_logged(
    snakemake,
    stages.consistency_filter,
    triplets=snakemake.input.triplets,
    model=snakemake.params.model,
    out=snakemake.output.judged,
    stats_out=snakemake.output.stats,
    template=snakemake.input.template,
    backend=snakemake.params.backend,
    backend_options=dict(snakemake.params.backend_options),
    python=snakemake.params.python,
    max_new_tokens=snakemake.params.max_new_tokens,
    chunk_size=snakemake.params.chunk_size,
)
