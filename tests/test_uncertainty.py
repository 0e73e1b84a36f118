"""Scores' sampling uncertainty (docs/method.md §8): the bootstrap interval against independent computations,
the paired gain, and the report's verdicts."""

import itertools
import json
import math

import pytest

from adamllm.evaluation.report import collect, table, verdicts
from adamllm.evaluation.scoring import score_file_with_intervals
from adamllm.evaluation.uncertainty import bootstrap_interval, paired_gain, within


def exact_bootstrap_quantiles(values, level=0.95):
    """Quantiles of the mean over all len(values)**len(values) equally likely resamples, by enumeration."""
    means = sorted(sum(draw) / len(draw) for draw in itertools.product(values, repeat=len(values)))
    tail = (1 - level) / 2
    return 100 * means[math.floor(tail * len(means))], 100 * means[math.ceil((1 - tail) * len(means)) - 1]


def test_interval_matches_the_exact_bootstrap_distribution_of_a_small_sample():
    """Five rows, four hits: the mean of a resample is k/5 with k ~ Binomial(5, 0.8); its 2.5% and 97.5%
    quantiles (enumerated: 40 and 100) lie well inside atoms, so the sampled interval must hit them."""
    values = [0.0, 1.0, 1.0, 1.0, 1.0]
    assert exact_bootstrap_quantiles(values) == (40.0, 100.0)
    assert bootstrap_interval(values) == pytest.approx((40.0, 100.0))


def test_interval_of_a_large_sample_is_the_normal_approximation():
    """120 hits in 400 rows: mean 30, standard error √(.3·.7/400) → 30 ± 1.96 · 2.29 points."""
    values = [1.0] * 120 + [0.0] * 280
    low, high = bootstrap_interval(values)
    half = 1.96 * 100 * math.sqrt(0.3 * 0.7 / 400)
    assert low == pytest.approx(30 - half, abs=0.7) and high == pytest.approx(30 + half, abs=0.7)


def test_interval_is_seeded_and_needs_rows():
    values = [0.1, 0.9, 0.4, 0.4, 0.7, 0.0, 1.0, 0.3]
    assert bootstrap_interval(values) == bootstrap_interval(list(values))
    assert bootstrap_interval(values, seed=1) != bootstrap_interval(values, seed=2)
    assert bootstrap_interval([]) is None
    assert bootstrap_interval([0.5] * 7) == pytest.approx((50.0, 50.0))


def test_paired_gain_sees_what_two_separate_intervals_cannot():
    """Two models that differ on 5 of 200 rows: each score's interval is some 14 points wide and they overlap,
    but on the same rows the gain (2.5 points) is distinguishable from zero."""
    base = {str(i): float(i % 2) for i in range(200)}
    ours = {row: 1.0 if int(row) % 40 == 0 else value for row, value in base.items()}
    gain = paired_gain(ours, base)
    assert gain["gain"] == pytest.approx(2.5) and gain["rows"] == 200
    assert gain["distinguishable"] and 0 < gain["ci95"][0] < 2.5 < gain["ci95"][1]
    separate = bootstrap_interval(list(ours.values())), bootstrap_interval(list(base.values()))
    assert separate[0][0] < separate[1][1]  # the separate intervals overlap
    same = paired_gain(base, base)
    assert same["gain"] == 0 and not same["distinguishable"]
    assert paired_gain(ours, {"other": 1.0}) is None  # no row in common


def test_score_file_intervals_come_from_the_rows_it_scored(tmp_path):
    """Food101 rows whose hits are known by construction: the score file's interval is the bootstrap of those
    hits, and the per-row values are keyed by row id."""
    rows = [{"id": i, "label": "apple_pie", "pred": "apple pie" if i % 3 else "nothing at all here"} for i in range(9)]
    path = tmp_path / "p.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    scores, per_row = score_file_with_intervals("Food101", path)
    hits = [float(i % 3 != 0) for i in range(9)]
    assert scores["accuracy"] == pytest.approx(100 * sum(hits) / 9)
    assert scores["ci95"]["accuracy"] == pytest.approx(list(bootstrap_interval(hits)))
    assert per_row == {"accuracy": {str(i): hit for i, hit in enumerate(hits)}}


def test_a_kind_without_rows_has_no_interval(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps({"id": 0, "label": "yes", "pred": "yes", "answer_type": "CLOSED"}) + "\n")
    scores, _ = score_file_with_intervals("SLAKE", path)
    assert scores["open_recall"] is None and scores["ci95"] == {"open_recall": None, "closed_accuracy": [100.0, 100.0]}


def write_scores(folder, benchmark, key, hits):
    folder.mkdir(parents=True)
    (folder / "rows").mkdir()
    values = {str(i): hit for i, hit in enumerate(hits)}
    score = {"test_num": len(hits), key: 100 * sum(hits) / len(hits), "ci95": {key: list(bootstrap_interval(hits))}}
    (folder / f"{benchmark}.json").write_text(json.dumps(score))
    (folder / "rows" / f"{benchmark}.json").write_text(json.dumps({key: values}))


def test_report_gives_intervals_gains_and_the_within_noise_verdict(tmp_path):
    """A base model at 50% and a post-trained one at 60% on the same 40 Food101 rows: the paper's base number
    (73.9) lies outside the base interval; the gain is the paired bootstrap of the per-row differences."""
    base_hits = [float(i % 2) for i in range(40)]
    tuned_hits = [1.0 if i % 10 == 0 else hit for i, hit in enumerate(base_hits)]
    write_scores(tmp_path / "base", "Food101", "accuracy", base_hits)
    write_scores(tmp_path / "tuned", "Food101", "accuracy", tuned_hits)
    models = [
        {"target": "t", "family": "qwen2_vl", "variant": variant, "scores": str(tmp_path / folder)}
        for variant, folder in (("base", "base"), ("single_stage", "tuned"))
    ]
    columns = [("Food101", "accuracy", "Food101")]
    rows = collect("food", models, columns)
    assert rows[0]["gain"] == [None]
    expected = paired_gain({str(i): v for i, v in enumerate(tuned_hits)}, {str(i): v for i, v in enumerate(base_hits)})
    assert rows[1]["gain"] == [expected] and expected["gain"] == pytest.approx(10.0)
    assert verdicts(rows[0], 0) == ["outside our 95% interval"]  # the paper's 73.9 vs our 50 ± ~16
    assert within(73.9, rows[0]["ci"][0]) is False
    frame = table(columns, rows)
    assert frame.loc[1, "Food101 gain"] == pytest.approx(10.0)
    assert frame.loc[0, "Food101 paper within CI"] == False  # noqa: E712 (a numpy bool)
    assert frame.loc[1, "Food101 CI low"] == pytest.approx(rows[1]["ci"][0][0])
