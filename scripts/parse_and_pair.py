"""Snakemake script: Parse each continuation into QA turns and pair them into at most one triplet per image."""
# ruff: noqa: F821  (snakemake is injected by the script directive)

from adamllm import stages
from adamllm.smk import run_logged

run_logged(
    snakemake,
    stages.parse_and_pair,
    synthesized=snakemake.input[0],
    out=snakemake.output.triplets,
    stats_out=snakemake.output.stats,
)
