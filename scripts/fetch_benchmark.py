"""Snakemake script: a benchmark's test split from the hub at a pinned revision, kept as local rows."""
# ruff: noqa: F821  (snakemake is injected by the script directive)

from adamllm import stages
from adamllm.smk import run_logged

run_logged(
    snakemake,
    stages.fetch_benchmark,
    task=snakemake.wildcards.task,
    revision=snakemake.params.revision,
    out=snakemake.output.rows,
    definitions=dict(snakemake.params.definitions),
)
