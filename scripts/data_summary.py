"""Snakemake script: item counts through the data stages, pairs → parsed → paired → judged → records."""
# ruff: noqa: F821  (snakemake is injected by the script directive)

from adamllm import stages
from adamllm.smk import run_logged

run_logged(
    snakemake,
    stages.summarize,
    pairs_stats=snakemake.input.pairs,
    parse_stats=list(snakemake.input.parsed),
    filter_stats=snakemake.input.judged,
    posttrain_files=list(snakemake.input.posttrain),
    out=snakemake.output[0],
)
