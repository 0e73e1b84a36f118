"""Snakemake script: greedy predictions of one model on its domain's benchmarks."""
# ruff: noqa: F821  (snakemake is injected by the script directive)

from adamllm import stages
from adamllm.smk import run_logged

run_logged(
    snakemake,
    stages.predict,
    model=snakemake.params.model,
    family=snakemake.params.family,
    out_dir=snakemake.output[0],
    tasks=list(snakemake.params.tasks),
    rows_files=dict(snakemake.params.rows_files),
    definitions=dict(snakemake.params.definitions),
    backend=snakemake.params.backend,
    backend_options=dict(snakemake.params.backend_options),
    python=snakemake.params.python,
    on_bad_record=snakemake.params.on_bad_record,
    max_new_tokens_cap=snakemake.params.max_new_tokens_cap,
    chunk_size=snakemake.params.chunk_size,
)
