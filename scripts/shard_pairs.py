"""Snakemake script: Validate the domain's image-caption pairs and split them into ``len(shard_outs)`` shards."""
# ruff: noqa: F821  (snakemake is injected by the script directive)

from adamllm import stages
from adamllm.smk import run_logged

run_logged(
    snakemake,
    stages.shard_pairs,
    pairs_file=snakemake.input.pairs,
    image_dir=snakemake.input.image_dir,
    shard_outs=list(snakemake.output.shards),
    stats_out=snakemake.output.stats,
    on_bad_record=snakemake.params.on_bad_record,
    converted_dir=snakemake.output.converted,
    allow_images_outside_dir=snakemake.params.allow_images_outside_dir,
)
