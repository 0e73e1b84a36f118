"""The paper's numbers (Tables 2 and 3), keyed by model family and our variant name."""

from __future__ import annotations

# The paper's columns per domain: (benchmark, score key, column title); the benchmark definitions give the
# report's columns the same titles, so a report column gets the paper's number by its title.
COLUMNS = {
    "biomed": [
        ("SLAKE", "open_recall", "SLAKE open"),
        ("SLAKE", "closed_accuracy", "SLAKE closed"),
        ("PathVQA", "open_recall", "PathVQA open"),
        ("PathVQA", "closed_accuracy", "PathVQA closed"),
        ("VQA_RAD", "open_recall", "VQA-RAD open"),
        ("VQA_RAD", "closed_accuracy", "VQA-RAD closed"),
        ("PMC-VQA", "accuracy", "PMC-VQA"),
    ],
    "food": [
        ("Recipe1M", "rouge_l", "Recipe1M"),
        ("Nutrition5K", "recall", "Nutrition5K"),
        ("Food101", "accuracy", "Food101"),
        ("FoodSeg103", "f1", "FoodSeg103"),
    ],
}

# (family, variant) → numbers in COLUMNS order. "single_stage" is AdaMLLM; for biomedicine the paper's
# model trained on refined PMC pairs ("single_stage") and on raw ones ("single_stage_raw_pmc").
PAPER = {
    "biomed": {
        ("qwen2_vl", "base"): [50.0, 52.4, 17.8, 38.7, 37.0, 46.7, 45.8],
        ("qwen2_vl", "single_stage"): [60.2, 75.0, 20.6, 53.6, 58.0, 76.1, 46.5],
        ("qwen2_vl", "single_stage_raw_pmc"): [53.2, 75.2, 20.1, 63.8, 49.8, 74.6, 43.5],
        ("llava_next_llama3", "base"): [49.2, 62.3, 15.2, 47.7, 45.9, 56.3, 36.5],
        ("llava_next_llama3", "single_stage"): [58.0, 73.3, 22.9, 78.6, 59.8, 81.3, 47.9],
        ("llava_next_llama3", "single_stage_raw_pmc"): [56.8, 76.4, 19.7, 79.3, 51.0, 80.5, 44.3],
        ("mllama", "base"): [56.2, 63.9, 22.7, 72.1, 46.9, 63.6, 51.9],
        ("mllama", "single_stage"): [59.5, 76.4, 24.3, 84.9, 57.4, 79.8, 51.9],
        ("mllama", "single_stage_raw_pmc"): [56.7, 77.6, 22.2, 87.3, 55.0, 76.1, 49.9],
    },
    "food": {
        ("qwen2_vl", "base"): [18.2, 36.4, 73.9, 19.9],
        ("qwen2_vl", "single_stage"): [24.0, 41.2, 72.0, 23.9],
        ("llava_next_llama3", "base"): [18.6, 29.6, 47.9, 38.9],
        ("llava_next_llama3", "single_stage"): [24.8, 36.1, 65.3, 42.0],
        ("mllama", "base"): [23.7, 40.0, 80.8, 47.6],
        ("mllama", "single_stage"): [26.1, 41.0, 82.2, 42.0],
    },
}


# Evaluated variants compared with another variant's row: the authors' released models are AdaMLLM.
SAME_ROW = {"released": "single_stage"}


def paper_numbers(domain: str, family: str, variant: str, titles: list[str] | None = None) -> list[float | None]:
    """The paper's numbers for a model in the report columns ``titles`` (default: the paper's columns of the
    domain); None where the paper has no number (another domain, benchmark, model or variant)."""
    titles = titles if titles is not None else [title for _b, _k, title in COLUMNS.get(domain, [])]
    numbers = PAPER.get(domain, {}).get((family, SAME_ROW.get(variant, variant)))
    by_title = dict(zip((title for _b, _k, title in COLUMNS[domain]), numbers, strict=True)) if numbers else {}
    return [by_title.get(title) for title in titles]
