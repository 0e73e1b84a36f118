"""Snakemake script: Write the post-training data of one recipe and its LLaMA-Factory ``dataset_info.json``."""
# ruff: noqa: F821  (snakemake is injected by the script directive)

from adamllm import stages
from adamllm.smk import run_logged

run_logged(
    snakemake,
    stages.format_posttrain,
    tasks=snakemake.input.tasks,
    seed_data=snakemake.input.get("seed"),
    out=snakemake.output.data,
    info_out=snakemake.output.info,
    dataset_name=snakemake.params.dataset_name,
    recipe=snakemake.wildcards.recipe,
    seed=snakemake.params.seed,
    keep_caption_without_task=snakemake.params.keep_caption_without_task,
)
