"""The report's paper numbers and arithmetic, and the benchmark sample sets."""

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT

from adamllm.core.errors import BadInputError
from adamllm.evaluation.paper import COLUMNS, PAPER
from adamllm.evaluation.predict import load_local_rows
from adamllm.evaluation.report import table
from adamllm.evaluation.tasks import BENCHMARKS, get_benchmark

METHOD = ROOT / "docs" / "method.md"
PAPER_MODELS = {"Qwen2-VL-2B": "qwen2_vl", "LLaVA-v1.6-8B": "llava_next_llama3", "Llama-3.2-11B": "mllama"}


def method_rows():
    """(domain, family, variant) → numbers, parsed from docs/method.md's lines about Tables 2 and 3."""
    text = METHOD.read_text()
    rows = {}
    for domain, heading in (("biomed", "Biomedicine"), ("food", "Food")):
        section = text.split(f"\n{heading} (")[1].split("\n\n")[0]
        for line in section.splitlines()[1:]:
            model = next(name for name in PAPER_MODELS if line.startswith(f"- {name} "))
            for part in line[len(model) + 3 :].split("; "):
                label, numbers = re.match(r"(base|(?:AdaMLLM-\d+B )?\([^)]*\)|AdaMLLM-\d+B) (.*)", part).groups()
                variant = "base" if label == "base" else "single_stage_raw_pmc" if "raw" in label else "single_stage"
                rows[(domain, PAPER_MODELS[model], variant)] = [float(x) for x in re.findall(r"\d+\.\d", numbers)]
    return rows


def test_paper_numbers_are_those_the_method_states():
    parsed = method_rows()
    ours = {(domain, *key): numbers for domain, rows in PAPER.items() for key, numbers in rows.items()}
    assert ours == parsed


def test_table_puts_paper_beside_ours_with_the_difference_and_the_rows_scored():
    rows = [{"target": "t", "family": "qwen2_vl", "variant": "base", "ours": [20.0, None, 30.0, 40.0],
             "paper": [18.2, 36.4, 73.9, 19.9], "n": {"Recipe1M": 1000, "Nutrition5K": 507, "Food101": 25250,
                                                     "FoodSeg103": 2135}}]  # fmt: skip
    frame = table(COLUMNS["food"], rows)
    header = list(frame.columns)
    assert header[3:6] == ["Recipe1M", "Recipe1M (paper)", "Recipe1M Δ"]
    record = frame.iloc[0]
    assert (record["Recipe1M"], record["Recipe1M (paper)"]) == (20.0, 18.2)
    assert record["Recipe1M Δ"] == pytest.approx(1.8)
    assert pd.isna(record["Nutrition5K"]) and record["Nutrition5K (paper)"] == 36.4 and pd.isna(record["Nutrition5K Δ"])
    # per benchmark: ours, paper, Δ; rows; CI low/high, paper within CI, gain and its CI low/high
    assert len(header) == 3 + 3 * len(COLUMNS["food"]) + 4 + 6 * len(COLUMNS["food"])
    assert record["Food101 rows"] == 25250


def test_overview_shows_scores_rows_stages_and_examples(tmp_path):
    from adamllm.evaluation.report import overview_html

    rows = [{"target": "t", "family": "qwen2_vl", "variant": "single_stage", "ours": [21.5, 1.0, 2.0, 3.0],
             "paper": [24.0, 41.2, 72.0, 23.9], "n": {"Recipe1M": 9, "Nutrition5K": 8, "Food101": 8,
                                                     "FoodSeg103": 8}}]  # fmt: skip
    stats = {"pairs_in": 12, "pairs_valid": 11, "parsed": 9, "paired": 3, "kept_tasks": 1,
             "records": {"single_stage": 11}, "judged": {"yes": 1, "no": 1, "open": 1, "other": 0}}  # fmt: skip
    triplet = {"Q": "Is <b>it</b> rice?", "precise_A": "Yes", "informative_A": "White grains, so yes."}
    tasks = tmp_path / "tasks.jsonl"
    item = {"instruction": "<image>Describe the image.", "caption": "A dish.", "pred": "…"}  # judged items' fields
    tasks.write_text("\n".join(json.dumps(r) for r in [
        {**item, "id": 0, "image": "i/rice.jpg", "triplet": triplet, "consistent": True, "judgement": " Yes"},
        {**item, "id": 1, "image": "i/soup.jpg", "triplet": triplet, "consistent": False, "judgement": " Open"},
        {**item, "id": 2, "image": "i/cake.jpg", "triplet": None, "consistent": False, "judgement": None},
    ]) + "\n")  # fmt: skip
    page = overview_html("food", COLUMNS["food"], rows, stats, [{"step": 1, "loss": 7.0}, {"step": 9, "loss": 0.5}],
                         {"pairs": 12, "untuned": {"parsed": 0, "paired": 0}, "tuned": {"parsed": 9, "paired": 3}},
                         tasks)  # fmt: skip
    assert "<b>21.5</b>" in page and "paper 24.0, Δ -2.5" in page and "9 rows" in page
    assert "judged Yes / No / Open / other" in page and "1 / 1 / 1 / 0" in page
    assert "7.000 at step 1 → 0.500 at step 9" in page and "parsed (of 12)" in page
    assert "rice.jpg" in page and "soup.jpg" in page and "cake.jpg" not in page
    assert "Is &lt;b&gt;it&lt;/b&gt; rice?" in page  # synthesized text is escaped, never markup


@pytest.mark.parametrize("task", list(BENCHMARKS))
def test_sample_sets_have_eight_rows_and_both_kinds(task):
    benchmark = get_benchmark(task)
    rows = load_local_rows(benchmark, ROOT / "data_samples" / "benchmarks")
    assert len(rows) >= 8
    assert all(Path(row["image"]).is_file() for row in rows)
    if "answer_type" in benchmark.fields:
        assert {row["answer_type"] for row in rows} == {"OPEN", "CLOSED"}


def test_sample_row_with_missing_image_is_reported(tmp_path):
    (tmp_path / "SLAKE.jsonl").write_text(
        '{"id": 0, "image": "gone.jpg", "input": "Q?", "label": "yes", "answer_type": "CLOSED"}\n'
    )
    with pytest.raises(BadInputError, match="SLAKE.jsonl, record at line 1: image not found"):
        load_local_rows(get_benchmark("SLAKE"), tmp_path)


def test_hub_rows_are_fetched_from_the_pinned_test_split_as_local_rows(tmp_path, monkeypatch):
    """A stand-in of AdaptLLM/biomed-VQA-benchmark in a local hub cache (the hub is unreachable here),
    with the real columns; the fetched rows are what predictions then read, images byte for byte."""
    from hub_standins import cache_benchmark

    from adamllm.evaluation.fetch import fetch_benchmark
    from adamllm.evaluation.predict import load_local_rows

    images = [ROOT / "data_samples" / "biomed" / "images" / n for n in ("ihc_1.jpg", "retina_1.jpg")]
    rows = [
        {"image": images[0], "input": "Is it stained?", "label": "yes", "answer_type": "CLOSED"},
        {"image": images[1], "input": "Which organ?", "label": "eye", "answer_type": "OPEN"},
    ]
    cache = tmp_path / "hub"
    cache_benchmark(cache, "AdaptLLM/biomed-VQA-benchmark", {"VQA_RAD": rows, "SLAKE": rows[:1]}, tmp_path / "w")
    import datasets.config
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(cache))  # read when imported
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", tmp_path / "datasets-cache")
    out = tmp_path / "rows" / "VQA_RAD.jsonl"
    assert fetch_benchmark("VQA_RAD", "main", out) == 2
    fetched = load_local_rows(get_benchmark("VQA_RAD"), out.parent)
    assert [(r["id"], r["input"], r["label"], r["answer_type"]) for r in fetched] == [
        (0, "Is it stained?", "yes", "CLOSED"), (1, "Which organ?", "eye", "OPEN")]  # fmt: skip
    assert [Path(r["image"]).read_bytes() for r in fetched] == [p.read_bytes() for p in images]


def test_released_models_are_compared_with_the_papers_adamllm_rows():
    from adamllm.evaluation.paper import paper_numbers

    for domain in ("biomed", "food"):
        for family in ("qwen2_vl", "llava_next_llama3", "mllama"):
            assert paper_numbers(domain, family, "released") == PAPER[domain][(family, "single_stage")]


def test_released_models_are_tied_to_the_reading_they_most_likely_followed(tmp_path):
    """SPEC ("What the authors' commands actually ran"): the released Qwen2-VL and Llama-3.2 models came from
    LLaMA-Factory commands whose defaults froze the vision tower at 512·512 pixels (reference_code); the
    LLaVA script ran Table 10's values (paper). The report says so beside the scores."""
    from adamllm.evaluation.report import overview_html, released_readings, write_tables

    targets = (("q", "qwen2_vl"), ("l", "llava_next_llama3"), ("m", "mllama"))
    rows = [{"target": t, "family": f, "variant": v, "ours": [1.0, 2.0, 3.0, 4.0], "paper": [None] * 4, "n": {}}
            for t, f in targets for v in ("base", "released")]  # fmt: skip
    followed = {target: reading for target, reading, _why in released_readings(rows)}
    assert followed == {"q": "reference_code", "l": "paper", "m": "reference_code"}
    assert released_readings([r for r in rows if r["variant"] == "base"]) == []
    page = overview_html("food", COLUMNS["food"], rows)
    assert "which reading of post-training they followed" in page and "reference_code" in page
    write_tables(COLUMNS["food"], rows, tmp_path / "t.csv", tmp_path / "t.md", "food")
    assert "- m: most likely `reference_code`" in (tmp_path / "t.md").read_text()


def test_a_family_the_paper_did_not_train_has_no_paper_numbers():
    from adamllm.evaluation.paper import paper_numbers

    for domain in ("biomed", "food"):
        assert set(paper_numbers(domain, "qwen2_5_vl", "base")) == {None}
        assert set(paper_numbers(domain, "qwen2_5_vl", "single_stage")) == {None}
        assert None not in paper_numbers(domain, "qwen2_vl", "base")  # the paper's own family: all there
