"""Snakemake script: fetch a domain's image-caption pairs and image archive at a pinned revision."""
# ruff: noqa: F821  (snakemake is injected by the script directive)

from adamllm import stages
from adamllm.smk import run_logged

run_logged(
    snakemake,
    stages.download_domain,
    hub=dict(snakemake.params.hub),
    pairs=snakemake.output.pairs,
    image_dir=snakemake.output.image_dir,
)
