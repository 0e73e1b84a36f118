"""Snakemake script: parse and pair rates of the untuned base model and the tuned synthesizer."""
# ruff: noqa: F821  (snakemake is injected by the script directive)

from adamllm import stages
from adamllm.smk import run_logged

run_logged(
    snakemake,
    stages.synthesizer_effect,
    shards=list(snakemake.input.shards),
    tuned=list(snakemake.input.tuned),
    base_model=snakemake.params.base,
    out=snakemake.output[0],
    max_pairs=snakemake.params.max_pairs,
    backend=snakemake.params.backend,
    backend_options=dict(snakemake.params.backend_options),
    python=snakemake.params.python,
    max_new_tokens=snakemake.params.max_new_tokens,
    double_bos=snakemake.params.double_bos,
    chunk_size=snakemake.params.chunk_size,
)
