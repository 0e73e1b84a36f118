"""Snakemake script: scores of each task's predictions of one model, each with its provenance manifest."""
# ruff: noqa: F821  (snakemake is injected by the script directive)

from adamllm import stages
from adamllm.smk import run_logged

run_logged(
    snakemake,
    stages.score,
    predictions_dir=snakemake.input.predictions,
    out_dir=snakemake.output[0],
    tasks=list(snakemake.params.tasks),
    definitions=dict(snakemake.params.definitions),
    lineage={
        role: [paths] if isinstance(paths, str) else list(paths)
        for role, paths in snakemake.input.items()
        if role != "predictions"
    },
    **snakemake.params.provenance,
)
