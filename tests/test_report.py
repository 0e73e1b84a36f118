"""The report's paper numbers and arithmetic, and the benchmark sample sets."""

import re
from pathlib import Path

import pytest
from conftest import ROOT

from adamllm.errors import BadInputError
from adamllm.evaluation.paper import COLUMNS, PAPER
from adamllm.evaluation.predict import load_local_rows
from adamllm.evaluation.report import table
from adamllm.evaluation.tasks import BENCHMARKS, get_benchmark

SPEC = ROOT.parent / "shared" / "SPEC.md"
SPEC_MODELS = {"Qwen2-VL-2B": "qwen2_vl", "LLaVA-v1.6-8B": "llava_next_llama3", "Llama-3.2-11B": "mllama"}


def spec_rows():
    """(domain, family, variant) → numbers, parsed from SPEC's own sentences about Tables 2 and 3."""
    text = SPEC.read_text()
    rows = {}
    for domain, heading in (("biomed", "Biomedicine"), ("food", "Food")):
        section = text.split(f"\n{heading} (")[1].split("\n\n")[0]
        for line in section.splitlines()[1:]:
            model = next(name for name in SPEC_MODELS if line.startswith(f"- {name} "))
            for part in line[len(model) + 3 :].split("; "):
                label, numbers = re.match(r"(base|(?:AdaMLLM-\d+B )?\([^)]*\)|AdaMLLM-\d+B) (.*)", part).groups()
                variant = "base" if label == "base" else "single_stage_raw_pmc" if "raw" in label else "single_stage"
                rows[(domain, SPEC_MODELS[model], variant)] = [float(x) for x in re.findall(r"\d+\.\d", numbers)]
    return rows


@pytest.mark.skipif(not SPEC.exists(), reason="../shared/SPEC.md is not beside this checkout")
def test_paper_numbers_are_those_in_spec():
    parsed = spec_rows()
    ours = {(domain, *key): numbers for domain, rows in PAPER.items() for key, numbers in rows.items()}
    assert ours == parsed


def test_table_puts_paper_beside_ours_with_the_difference():
    rows = [{"target": "t", "family": "qwen2_vl", "variant": "base", "ours": [20.0, None, 30.0, 40.0],
             "paper": [18.2, 36.4, 73.9, 19.9]}]  # fmt: skip
    header, body = table("food", rows)
    assert header[3:6] == ["Recipe1M", "Recipe1M (paper)", "Recipe1M Δ"]
    assert body[0][3:6] == [20.0, 18.2, pytest.approx(1.8)]
    assert body[0][6:9] == [None, 36.4, None]
    assert len(header) == 3 + 3 * len(COLUMNS["food"])


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
