"""Snakemake script: Concatenate the judged shards in shard order and add up their stats."""
# ruff: noqa: F821  (snakemake is injected by the script directive)

from adamllm import stages
from adamllm.smk import run_logged

run_logged(
    snakemake,
    stages.merge_shards,
    shards=list(snakemake.input.judged),
    stats_files=list(snakemake.input.stats),
    out=snakemake.output.tasks,
    stats_out=snakemake.output.stats,
)
