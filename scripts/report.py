"""Snakemake script: the domain's score table beside the paper's numbers, and its radar chart."""
# ruff: noqa: F821  (snakemake is injected by the script directive)

from adamllm import stages
from adamllm.smk import run_logged

run_logged(
    snakemake,
    stages.report,
    domain=snakemake.wildcards.domain,
    models=list(snakemake.params.models),
    columns=[list(column) for column in snakemake.params.columns],
    csv_out=snakemake.output.csv,
    markdown_out=snakemake.output.markdown,
    radar_out=snakemake.output.radar,
    overview_out=snakemake.output.overview,
    stats=snakemake.input.get("stats"),
    synthesizer_loss=snakemake.input.get("synthesizer_loss"),
    synthesizer_effect=snakemake.input.get("synthesizer_effect"),
    tasks=snakemake.input.get("tasks"),
)
