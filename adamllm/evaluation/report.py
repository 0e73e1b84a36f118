"""The report: per domain, every model × benchmark beside the paper's numbers (CSV, Markdown) and a radar chart."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from adamllm.evaluation.paper import COLUMNS, paper_numbers
from adamllm.io import atomic_write, read_json


def collect(domain: str, models: list[dict]) -> list[dict]:
    """One row per model: ``models`` items carry target, family, variant and the score directory."""
    rows = []
    for model in models:
        ours = []
        for benchmark, key, _title in COLUMNS[domain]:
            scores = read_json(Path(model["scores"]) / f"{benchmark}.json")
            ours.append(scores.get(key))
        paper = paper_numbers(domain, model["family"], model["variant"])
        rows.append({**{k: model[k] for k in ("target", "family", "variant")}, "ours": ours, "paper": paper})
    return rows


def _difference(ours, paper):
    return None if ours is None or paper is None else ours - paper


def table(domain: str, rows: list[dict]) -> tuple[list[str], list[list]]:
    """Header and body: per benchmark column, ours, the paper's and the difference."""
    header = ["model", "family", "variant"]
    for _benchmark, _key, title in COLUMNS[domain]:
        header += [title, f"{title} (paper)", f"{title} Δ"]
    body = []
    for row in rows:
        line = [row["target"], row["family"], row["variant"]]
        for ours, paper in zip(row["ours"], row["paper"], strict=True):
            line += [ours, paper, _difference(ours, paper)]
        body.append(line)
    return header, body


def _cell(value) -> str:
    return "–" if value is None else (f"{value:.1f}" if isinstance(value, float | int) else str(value))


def write_tables(domain: str, rows: list[dict], csv_path, markdown_path) -> None:
    header, body = table(domain, rows)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([["" if v is None else v for v in line] for line in body])
    with atomic_write(csv_path) as handle:
        handle.write(buffer.getvalue())
    lines = [f"# {domain}: ours vs the paper (scores ×100; Δ = ours − paper)", ""]
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "---|" * len(header))
    lines += ["| " + " | ".join(_cell(v) for v in line) + " |" for line in body]
    with atomic_write(markdown_path) as handle:
        handle.write("\n".join(lines) + "\n")


def write_radar(domain: str, rows: list[dict], png_path) -> None:
    """A radar chart of every model's scores on the domain's benchmarks, like the paper's Figure 1."""
    import math

    from adamllm.plots import pyplot, save_png

    plt = pyplot()
    titles = [title for _b, _k, title in COLUMNS[domain]]
    angles = [2 * math.pi * i / len(titles) for i in range(len(titles))] + [0.0]
    figure = plt.figure(figsize=(7, 7), dpi=100)
    axes = figure.add_subplot(polar=True)
    for row in rows:
        values = [v if v is not None else 0.0 for v in row["ours"]]
        axes.plot(angles, values + values[:1], label=f"{row['target']} · {row['variant']}", linewidth=1.5)
        axes.fill(angles, values + values[:1], alpha=0.05)
    axes.set_xticks(angles[:-1], titles)
    axes.set_ylim(0, 100)
    axes.set_title(f"{domain}: scores per benchmark (×100)")
    axes.legend(loc="upper right", bbox_to_anchor=(1.35, 1.1), fontsize=8)
    figure.tight_layout()
    save_png(figure, png_path, bbox_inches="tight")
