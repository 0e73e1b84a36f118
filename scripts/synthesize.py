"""Snakemake script: Run the synthesizer on each pair of a shard; keep its raw continuation in ``pred``."""
# ruff: noqa: F821  (snakemake is injected by the script directive)

from adamllm import stages
from adamllm.smk import run_logged

run_logged(
    snakemake,
    stages.synthesize,
    shard=snakemake.input.shard,
    model=snakemake.params.model,
    out=snakemake.output[0],
    backend=snakemake.params.backend,
    backend_options=dict(snakemake.params.backend_options),
    python=snakemake.params.python,
    on_bad_record=snakemake.params.on_bad_record,
    max_new_tokens=snakemake.params.max_new_tokens,
    double_bos=snakemake.params.double_bos,
    chunk_size=snakemake.params.chunk_size,
)
