"""Snakemake script: Fetch the seed files at pinned revisions from the Hugging Face hub and unpack the images."""
# ruff: noqa: F821  (snakemake is injected by the script directive)

from adamllm import stages
from adamllm.smk import run_logged

run_logged(
    snakemake,
    stages.download_seed,
    hub=snakemake.params.hub,
    visionflan_metadata=snakemake.output.visionflan_metadata,
    allava_caption=snakemake.output.allava_caption,
    allava_instruct=snakemake.output.allava_instruct,
    image_dir=snakemake.output.image_dir,
)
