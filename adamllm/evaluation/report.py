"""The report of a domain: every model × benchmark beside the paper's numbers (CSV, Markdown, HTML) with the
rows behind each score, a radar chart, and an overview page — scores, counts through the stages, the
synthesizer's loss and effect, examples of synthesized tasks — that opens the HTML report."""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from adamllm.core.io import atomic_write, read_json
from adamllm.core.schemas import JUDGED, read_records
from adamllm.evaluation.paper import paper_numbers
from adamllm.evaluation.uncertainty import paired_gain, within

EXAMPLES = 3  # synthesized tasks shown per kind (kept, rejected)


def collect(domain: str, models: list[dict], columns: list[tuple[str, str, str]]) -> list[dict]:
    """One row per model: ``models`` items carry target, family, variant and the score directory;
    ``columns`` are (benchmark, score key, title). Each row has our numbers with their 95% intervals
    (``ci``), the paper's (None where the paper has none), the rows each benchmark was scored on (``n``),
    and, for a model whose target's base model was evaluated too, its gain over that base on the same rows
    (``gain``: :func:`adamllm.evaluation.uncertainty.paired_gain` per column, else None)."""
    rows, per_row = [], []
    for model in models:
        ours, intervals, values, counted = [], [], [], {}
        for benchmark, key, _title in columns:
            scores = read_json(Path(model["scores"]) / f"{benchmark}.json")
            ours.append(scores.get(key))
            intervals.append((scores.get("ci95") or {}).get(key))
            rows_file = Path(model["scores"]) / "rows" / f"{benchmark}.json"
            values.append(read_json(rows_file).get(key) if rows_file.exists() else None)
            counted[benchmark] = scores.get("test_num")
        paper = paper_numbers(domain, model["family"], model["variant"], [title for _b, _k, title in columns])
        rows.append({**{k: model[k] for k in ("target", "family", "variant")}, "ours": ours, "ci": intervals,
                     "paper": paper, "n": counted})  # fmt: skip
        per_row.append(values)
    base = {row["target"]: values for row, values in zip(rows, per_row, strict=True) if row["variant"] == "base"}
    for row, values in zip(rows, per_row, strict=True):
        reference = base.get(row["target"]) if row["variant"] != "base" else None
        row["gain"] = [
            paired_gain(mine, theirs) if reference and mine is not None and theirs is not None else None
            for mine, theirs in zip(values, reference or [None] * len(values), strict=True)
        ]
    return rows


def table(columns: list[tuple[str, str, str]], rows: list[dict]) -> pd.DataFrame:
    """Per model: for each column ours, the paper's and the difference (ours − paper); then the number of
    rows each benchmark was scored on; then, per column, our 95% interval, whether the paper's number lies
    inside it, and the gain over the base model with its paired 95% interval."""
    records = []
    for row in rows:
        record = {"model": row["target"], "family": row["family"], "variant": row["variant"]}
        for (_benchmark, _key, title), ours, paper in zip(columns, row["ours"], row["paper"], strict=True):
            record[title] = ours
            record[f"{title} (paper)"] = paper
            record[f"{title} Δ"] = None if ours is None or paper is None else ours - paper
        for benchmark, count in row.get("n", {}).items():
            record[f"{benchmark} rows"] = count
        for index, (_benchmark, _key, title) in enumerate(columns):
            interval, gain = _at(row, "ci", index), _at(row, "gain", index)
            record[f"{title} CI low"], record[f"{title} CI high"] = interval or (None, None)
            record[f"{title} paper within CI"] = within(row["paper"][index], interval)
            record[f"{title} gain"] = gain["gain"] if gain else None
            record[f"{title} gain CI low"], record[f"{title} gain CI high"] = gain["ci95"] if gain else (None, None)
        records.append(record)
    return pd.DataFrame.from_records(records)


def _at(row: dict, key: str, index: int):
    """The ``index``-th column's entry of a row's ``ci`` or ``gain`` (None where the row has none)."""
    entries = row.get(key) or []
    return entries[index] if index < len(entries) else None


def verdicts(row: dict, index: int) -> list[str]:
    """What a reader may conclude from one score: whether the paper's number lies inside our interval, and
    whether the gain over the base model is distinguishable from zero."""
    said = []
    reproduced = within(row["paper"][index], _at(row, "ci", index))
    if reproduced is not None:
        said.append("reproduced within sampling noise" if reproduced else "outside our 95% interval")
    gain = _at(row, "gain", index)
    if gain:
        low, high = gain["ci95"]
        distinct = "" if gain["distinguishable"] else ", not distinguishable from zero"
        said.append(f"gain over base {gain['gain']:+.1f} [{low:.1f}, {high:.1f}]{distinct}")
    return said


def _cell(row: dict, index: int) -> str:
    """One score as the Markdown table shows it: ours [interval]; the paper's and the verdicts."""
    interval = _at(row, "ci", index)
    parts = [_fmt(row["ours"][index]) + (f" [{interval[0]:.1f}, {interval[1]:.1f}]" if interval else "")]
    if row["paper"][index] is not None:
        parts.append(f"paper {_fmt(row['paper'][index])}")
    return "; ".join(parts + verdicts(row, index))


def released_readings(rows: list[dict]) -> list[tuple[str, str, str]]:
    """For each target whose released model was evaluated: (target, the reading of post-training its
    release most likely followed, why), from the family registry (docs/method.md §7)."""
    from adamllm.models.families import get_family

    found = {}
    for row in rows:
        followed = get_family(row["family"]).released_reading if row["variant"] == "released" else None
        if followed:
            found[row["target"]] = (row["target"], *followed)
    return list(found.values())


def _released_text(rows: list[dict]) -> str:
    lines = [f"- {target}: most likely `{reading}`: {why}." for target, reading, why in released_readings(rows)]
    if not lines:
        return ""
    return ("\n## Which reading the released models followed\n\nTo compare a model you retrain with a released one, "
            "train it under the same reading (`posttrain.settings.reading`, docs/method.md §7):\n\n"
            + "\n".join(lines) + "\n")  # fmt: skip


def write_tables(columns, rows: list[dict], csv_path, markdown_path, domain: str) -> None:
    frame = table(columns, rows)
    with atomic_write(csv_path) as handle:
        frame.to_csv(handle, index=False, lineterminator="\n")
    title = (f"# {domain}: ours vs the paper (scores ×100)\n\nEach score with its 95% bootstrap interval over "
             "the benchmark's rows; the paper's number, and whether it lies inside that interval; the gain over "
             "the base model with its paired interval. All numbers, with Δ = ours − paper: the CSV beside this "
             "file.\n\n")  # fmt: skip
    compact = pd.DataFrame(
        [{"model": row["target"], "family": row["family"], "variant": row["variant"],
          **{title: _cell(row, index) for index, (_b, _k, title) in enumerate(columns)}} for row in rows]
    )  # fmt: skip
    with atomic_write(markdown_path) as handle:
        handle.write(title + compact.to_markdown(index=False) + "\n" + _released_text(rows))


def write_radar(domain: str, columns, rows: list[dict], png_path) -> None:
    """Every model's scores on the domain's benchmarks, in the manner of the paper's Figure 1; where the
    paper has a row for the model, its numbers are drawn as a dashed outline in the same colour. Fewer
    than three columns make no polygon: bars then."""
    import math

    from adamllm.core.plots import pyplot, save_png

    plt = pyplot()
    titles = [title for _b, _k, title in columns]
    if len(titles) < 3:
        return _write_bars(domain, titles, rows, png_path)
    angles = [2 * math.pi * i / len(titles) for i in range(len(titles))] + [0.0]
    figure = plt.figure(figsize=(7.5, 8.5), dpi=100)
    axes = figure.add_subplot(polar=True)
    for row in rows:
        values = [v if v is not None else 0.0 for v in row["ours"]]
        (line,) = axes.plot(angles, values + values[:1], label=f"{row['target']} · {row['variant']}", linewidth=1.5)
        axes.fill(angles, values + values[:1], alpha=0.05, color=line.get_color())
        if all(v is not None for v in row["paper"]):
            paper = list(row["paper"])
            axes.plot(angles, paper + paper[:1], linestyle="--", linewidth=1, color=line.get_color(),
                      label=f"{row['target']} · {row['variant']} (paper)")  # fmt: skip
    axes.set_xticks(angles[:-1], titles)
    axes.set_ylim(0, 100)
    axes.set_title(f"{domain}: scores per benchmark (×100); dashed: the paper's", pad=24)
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=2, fontsize=8, frameon=False)
    figure.tight_layout()
    save_png(figure, png_path, bbox_inches="tight")


def _write_bars(domain: str, titles: list[str], rows: list[dict], png_path) -> None:
    from adamllm.core.plots import pyplot, save_png

    plt = pyplot()
    figure, axes = plt.subplots(figsize=(7.5, 1.5 + 0.4 * len(rows) * len(titles)), dpi=100)
    labels = [f"{row['target']} · {row['variant']} · {title}" for row in rows for title in titles]
    values = [v if v is not None else 0.0 for row in rows for v in row["ours"]]
    axes.barh(labels, values)
    axes.set_xlim(0, 100)
    axes.set_title(f"{domain}: scores per benchmark (×100)")
    figure.tight_layout()
    save_png(figure, png_path, bbox_inches="tight")


def _fmt(value) -> str:
    return "–" if value is None else f"{value:.1f}"


def _scores_html(columns, rows: list[dict]) -> str:
    """Per model and column: ours in bold with its 95% interval, the paper's and the difference below, the
    verdicts (:func:`verdicts`), and the rows scored."""
    cells = pd.DataFrame({"model": [f"{r['target']} · {r['variant']}" for r in rows]})
    for index, (benchmark, _key, title) in enumerate(columns):
        column = []
        for row in rows:
            ours, paper, interval = row["ours"][index], row["paper"][index], _at(row, "ci", index)
            difference = "" if ours is None or paper is None else f", Δ {ours - paper:+.1f}"
            shown = f" [{interval[0]:.1f}, {interval[1]:.1f}]" if interval else ""
            said = "".join(f"<br>{html.escape(verdict)}" for verdict in verdicts(row, index))
            column.append(f"<b>{_fmt(ours)}</b>{shown}<br><small>paper {_fmt(paper)}{difference}{said}<br>"
                          f"{row['n'].get(benchmark)} rows</small>")  # fmt: skip
        cells[title] = column
    return cells.to_html(index=False, escape=False, classes="adamllm", border=0)


def _stages_html(stats: dict) -> str:
    judged = stats["judged"]
    steps = [("image-caption pairs", stats["pairs_in"]), ("valid pairs", stats["pairs_valid"]),
             ("synthesized, parsed into QA turns", stats["parsed"]), ("paired into a triplet", stats["paired"]),
             ("judged Yes / No / Open / other", f"{judged['yes']} / {judged['no']} / {judged['open']} / "
                                                f"{judged['other']}"),
             ("tasks kept", stats["kept_tasks"])]  # fmt: skip
    steps += [(f"post-training records, {recipe}", count) for recipe, count in stats["records"].items()]
    frame = pd.DataFrame(steps, columns=["stage", "items"])
    return frame.to_html(index=False, classes="adamllm", border=0)


def _synthesizer_html(loss: list[dict] | None, effect: dict | None) -> str:
    parts = []
    if loss:
        first, last = loss[0], loss[-1]
        parts.append(f"<p>Tuning loss: {first['loss']:.3f} at step {first['step']} → {last['loss']:.3f} at step "
                     f"{last['step']} (lowest {min(p['loss'] for p in loss):.3f}).</p>")  # fmt: skip
    if effect:
        frame = pd.DataFrame(
            [("untuned base", effect["untuned"]["parsed"], effect["untuned"]["paired"]),
             ("tuned synthesizer", effect["tuned"]["parsed"], effect["tuned"]["paired"])],
            columns=["model", f"parsed (of {effect['pairs']})", f"paired (of {effect['pairs']})"],
        )  # fmt: skip
        parts.append(frame.to_html(index=False, classes="adamllm", border=0))
    return "".join(parts)


def _examples_html(tasks_file) -> str:
    kept, rejected = [], []
    for item in read_records(tasks_file, JUDGED):
        if item.get("triplet") is None:
            continue
        group = kept if item.get("consistent") else rejected
        if len(group) < EXAMPLES:
            group.append(item)
        if len(kept) == len(rejected) == EXAMPLES:
            break
    rows = [
        (Path(item["image"]).name, "kept" if item.get("consistent") else "rejected",
         str(item.get("judgement")).strip() or "–", item["triplet"]["Q"], item["triplet"]["informative_A"],
         item["triplet"]["precise_A"])
        for item in kept + rejected
    ]  # fmt: skip
    if not rows:
        return "<p>No triplet was synthesized.</p>"
    frame = pd.DataFrame(rows, columns=["image", "task", "checker said", "question", "informative answer",
                                        "precise answer"])  # fmt: skip
    return frame.to_html(index=False, classes="adamllm", border=0)


STYLE = (
    "<style>table.adamllm{border-collapse:collapse;margin:0.5em 0 1.5em;font-size:0.9em}"
    "table.adamllm th,table.adamllm td{border:1px solid #ccc;padding:4px 8px;vertical-align:top;text-align:left}"
    "table.adamllm th{background:#f3f4f6}</style>"
)


def _png_html(path, alt: str) -> str:
    """A PNG embedded in the page (the report is one self-contained file)."""
    import base64

    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    return f'<p><img alt="{html.escape(alt)}" style="max-width:640px" src="data:image/png;base64,{data}"></p>'


def overview_html(domain: str, columns, rows: list[dict], stats=None, loss=None, effect=None, tasks_file=None,
                  radar_png=None, loss_png=None) -> str:  # fmt: skip
    """The domain's section of the report's first page (an HTML fragment)."""
    parts = [STYLE, f"<h2>{html.escape(domain)}</h2>",
             "<h3>Scores (×100) beside the paper's (Tables 2 and 3), with the rows behind each</h3>",
             "<p>Each score with its 95% bootstrap interval over the benchmark's rows (seeded: a rerun gives the "
             "same); a paper number inside it is reproduced within sampling noise. A post-trained model's gain "
             "over its base model is a paired bootstrap on the same rows.</p>",
             _scores_html(columns, rows)]  # fmt: skip
    followed = released_readings(rows)
    if followed:
        frame = pd.DataFrame(followed, columns=["target", "reading its release most likely followed", "why"])
        parts += [
            "<h3>Released models: which reading of post-training they followed</h3>",
            "<p>To compare a retrained model with a released one, train it under the same reading "
            "(<code>posttrain.settings.reading</code>).</p>",
            frame.to_html(index=False, classes="adamllm", border=0),
        ]
    if radar_png:
        parts.append(_png_html(radar_png, f"{domain}: radar chart of the scores"))
    if stats:
        parts += ["<h3>Items through the stages</h3>", _stages_html(stats)]
    if loss or effect:
        parts += ["<h3>The synthesizer</h3>", _synthesizer_html(loss, effect)]
    if loss_png:
        parts.append(_png_html(loss_png, "the synthesizer's training loss"))
    if tasks_file:
        parts += ["<h3>Synthesized tasks, kept and rejected by the consistency checker</h3>",
                  _examples_html(tasks_file)]  # fmt: skip
    return "\n".join(parts) + "\n"


def write_overview(domain: str, columns, rows: list[dict], html_path, stats_file=None, loss_file=None,
                   effect_file=None, tasks_file=None, radar_png=None) -> None:  # fmt: skip
    """Write the domain's overview fragment (included in the report's first page); the synthesizer's loss
    curve is the PNG beside its loss JSON."""
    text = overview_html(
        domain,
        columns,
        rows,
        read_json(stats_file) if stats_file else None,
        read_json(loss_file) if loss_file else None,
        read_json(effect_file) if effect_file else None,
        tasks_file,
        radar_png,
        Path(loss_file).with_suffix(".png") if loss_file and Path(loss_file).with_suffix(".png").exists() else None,
    )
    with atomic_write(html_path) as handle:
        handle.write(text)
