"""Snakemake script: Join the three seed files into one record per usable image."""
# ruff: noqa: F821  (snakemake is injected by the script directive)

from adamllm import stages
from adamllm.smk import run_logged

run_logged(
    snakemake,
    stages.prepare_seed,
    visionflan_metadata=snakemake.input.visionflan_metadata,
    allava_caption=snakemake.input.allava_caption,
    allava_instruct=snakemake.input.allava_instruct,
    image_dir=snakemake.input.image_dir,
    out=snakemake.output.seed,
    stats_out=snakemake.output.stats,
    on_bad_record=snakemake.params.on_bad_record,
    converted_dir=snakemake.output.converted,
    allow_images_outside_dir=snakemake.params.allow_images_outside_dir,
)
