"""The benchmark registry: one definition per task — where its rows come from, how long answers may be,
which fields rows carry, and how a predictions file is scored (docs/method.md §8)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from adamllm.errors import BadInputError
from adamllm.evaluation import metrics

LABEL_SETS = Path(__file__).resolve().parent.parent / "label_sets"
HUB_DATASETS = {"biomed": "AdaptLLM/biomed-VQA-benchmark", "food": "AdaptLLM/food-VQA-benchmark"}


def _mean(values: list[float]) -> float | None:
    return 100 * sum(values) / len(values) if values else None


@cache
def food101_options() -> dict[str, str]:
    """Option index ("0"…"100") → class name with spaces."""
    names = json.loads((LABEL_SETS / "food101_classes.json").read_text())
    return {str(index): name.replace("_", " ") for name, index in names.items()}


@cache
def foodseg103_names() -> dict[int, str]:
    """Scored FoodSeg103 classes: ids 1…102 (0 background and 103 other ingredients are not scored)."""
    names = json.loads((LABEL_SETS / "foodseg103_id2label.json").read_text())
    return {int(i): name for i, name in names.items() if int(i) not in (0, 103)}


@cache
def nutrition5k_names() -> dict[int, str]:
    names = json.loads((LABEL_SETS / "nutrition5k_ingredients.json").read_text())
    return dict(enumerate(names))


def _by_name(names: dict[int, str]) -> dict[str, int]:
    """Class name → id; a repeated name keeps its last id."""
    return {name: index for index, name in names.items()}


def _ids_of(labels, by_name: dict[str, int], task: str) -> set[int]:
    """Label names → ids (``by_name`` from :func:`_by_name`); an unknown name is an error."""
    unknown = [label for label in labels if label not in by_name]
    if unknown:
        raise ValueError(f"{task} label names not in its class list: {unknown}")
    return {by_name[label] for label in labels}


def score_vqa(rows: list[dict]) -> dict:
    open_scores = [metrics.open_recall(r["pred"], r["label"]) for r in rows if r["answer_type"] == "OPEN"]
    closed_scores = [metrics.closed_hit(r["pred"], r["label"]) for r in rows if r["answer_type"] == "CLOSED"]
    return {"test_num": len(rows), "open_recall": _mean(open_scores), "closed_accuracy": _mean(closed_scores)}


def score_pmc_vqa(rows: list[dict]) -> dict:
    hits = []
    for r in rows:
        options = {c: str(r[c]) for c in "ABCD"}
        choice, _ = metrics.parse_choice(r["pred"], list("ABCD"), options, r["id"])
        hits.append(float(choice == str(r["label"]).strip()))
    return {"test_num": len(rows), "accuracy": _mean(hits)}


def score_food101(rows: list[dict]) -> dict:
    options = food101_options()
    by_name = {name: index for index, name in options.items()}
    hits = []
    for r in rows:
        label = str(r["label"]).replace("_", " ")
        if label not in by_name:
            raise ValueError(f"Food101 label {r['label']!r} is not one of the 101 classes")
        choice, _ = metrics.parse_choice(r["pred"], list(options), options, r["id"])
        hits.append(float(choice == by_name[label]))
    return {"test_num": len(rows), "accuracy": _mean(hits)}


def score_foodseg103(rows: list[dict]) -> dict:
    names, ids = foodseg103_names(), range(1, 103)
    ordered, by_name = metrics.longest_first(names), _by_name(names)
    f1 = [
        metrics.multilabel_f1(_ids_of(r["label"], by_name, "FoodSeg103"), metrics.parse_labels(r["pred"], ordered), ids)
        for r in rows
    ]
    return {"test_num": len(rows), "f1": _mean(f1)}


def score_nutrition5k(rows: list[dict]) -> dict:
    names = nutrition5k_names()
    ids = range(0, len(names))
    ordered, by_name = metrics.longest_first(names), _by_name(names)
    recall = [
        metrics.multilabel_recall(
            _ids_of(r["label"], by_name, "Nutrition5K"), metrics.parse_labels(r["pred"], ordered), ids
        )
        for r in rows
    ]
    return {"test_num": len(rows), "recall": _mean(recall)}


def score_recipe1m(rows: list[dict]) -> dict:
    return {"test_num": len(rows), "rouge_l": _mean([metrics.rouge_l(r["pred"], r["label"]) for r in rows])}


@dataclass(frozen=True)
class Benchmark:
    name: str
    domain: str
    hub_config: str
    max_new_tokens: int
    fields: tuple[str, ...]  # row fields besides id, label and pred
    scorer: Callable[[list[dict]], dict]

    @property
    def hub_dataset(self) -> str:
        return HUB_DATASETS[self.domain]


BENCHMARKS = {
    b.name: b
    for b in (
        Benchmark("SLAKE", "biomed", "SLAKE", 1024, ("answer_type",), score_vqa),
        Benchmark("PathVQA", "biomed", "PathVQA", 1024, ("answer_type",), score_vqa),
        Benchmark("VQA_RAD", "biomed", "VQA_RAD", 1024, ("answer_type",), score_vqa),
        Benchmark("PMC-VQA", "biomed", "PMC-VQA", 1024, ("A", "B", "C", "D"), score_pmc_vqa),
        Benchmark("Recipe1M", "food", "Recipe1M", 1024, (), score_recipe1m),
        Benchmark("Nutrition5K", "food", "Nutrition5K", 256, (), score_nutrition5k),
        Benchmark("Food101", "food", "Food101", 256, (), score_food101),
        Benchmark("FoodSeg103", "food", "FoodSeg103", 256, (), score_foodseg103),
    )
}


def get_benchmark(name: str) -> Benchmark:
    """A benchmark by name; case, '-' and '_' are ignored ('vqa-rad' finds VQA_RAD)."""
    key = name.lower().replace("-", "").replace("_", "")
    for benchmark in BENCHMARKS.values():
        if benchmark.name.lower().replace("-", "").replace("_", "") == key:
            return benchmark
    raise ValueError(f"unknown task {name!r}; known: {', '.join(BENCHMARKS)}")


def domain_benchmarks(domain: str) -> list[str]:
    return [b.name for b in BENCHMARKS.values() if b.domain == domain]


def validate_row(benchmark: Benchmark, row, path, where) -> None:
    """A scorable row: id, label, pred (a string) and the task's own fields, with valid values."""
    if not isinstance(row, dict):
        raise BadInputError(path, "expected a JSON object", where)
    missing = [f for f in ("id", "label", "pred", *benchmark.fields) if f not in row]
    if missing:
        raise BadInputError(path, f"missing field(s) {', '.join(missing)} for task {benchmark.name}", where)
    if not isinstance(row["pred"], str):
        raise BadInputError(path, "'pred' must be a string", where)
    if "answer_type" in benchmark.fields and row["answer_type"] not in ("OPEN", "CLOSED"):
        raise BadInputError(path, f"answer_type must be OPEN or CLOSED, not {row['answer_type']!r}", where)
    if benchmark.name in ("FoodSeg103", "Nutrition5K") and not isinstance(row["label"], list):
        raise BadInputError(path, f"{benchmark.name} labels are lists of class names", where)
