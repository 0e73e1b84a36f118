"""Benchmarks as data: one YAML definition per benchmark — where its rows come from, which fields hold the
image, prompt, label and extra fields, how long answers may be, its metric and the scores it reports —
as lmms-eval defines tasks. The eight paper benchmarks are bundled (``definitions/``); a config adds its
own (``benchmark_definitions``). No benchmark is special-cased by name in code.

Metric kinds (docs/method.md §8): ``open_closed_vqa`` (word recall of OPEN answers, yes/no accuracy of
CLOSED ones, by a type field), ``multiple_choice`` (options from row fields or a class list), ``multi_label``
(names found in the answer, F1 or recall over a class list), ``rouge_l`` and ``exact_match``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path

import yaml

from adamllm.core.schemas import ANY, ID, STRING, TEXT, Schema
from adamllm.evaluation import metrics

DEFINITIONS = Path(__file__).resolve().parent / "definitions"
METRIC_KINDS = ("open_closed_vqa", "multiple_choice", "multi_label", "rouge_l", "exact_match")
CLASS_FORMATS = ("list", "index_to_name", "name_to_index")


class DefinitionError(ValueError):
    """A benchmark definition that cannot work; the message names its file and key."""

    def __init__(self, path, key: str, reason: str):
        super().__init__(f"benchmark definition {path}: {key}: {reason}")


def _mean(values) -> float | None:
    return 100 * sum(values) / len(values) if values else None


@dataclass(frozen=True)
class Benchmark:
    name: str
    source: Path  # its definition file
    domain: str | None
    rows: dict  # {"hub": {dataset, config, split}} and/or {"local": a JSONL file}
    image_field: str
    prompt_field: str
    label_field: str
    extra: tuple[str, ...]
    max_new_tokens: int
    metric: dict
    scores: tuple[tuple[str, str], ...]  # (score key, report column title)
    classes: dict = field(default_factory=dict, compare=False)  # id → name, for class-list metrics
    size: int | None = None  # rows of its hub split, stated for estimates made before the rows are fetched

    @property
    def fields(self) -> tuple[str, ...]:
        """Row fields a prediction keeps besides id, label and pred."""
        return self.extra

    @property
    def hub(self) -> dict | None:
        return self.rows.get("hub")

    def per_row(self, rows: list[dict]) -> dict[str, list[tuple]]:
        """Each score's per-row values: score key → [(row id, value in [0, 1])…], over the rows it averages."""
        return SCORERS[self.metric["kind"]](self, rows)

    def score(self, rows: list[dict], per_row: dict | None = None) -> dict:
        """Scores (×100) of predictions rows, as ``{test_num, <key>: value…}``: each the mean of its per-row
        values (``per_row``, when already computed)."""
        per_row = self.per_row(rows) if per_row is None else per_row
        return {"test_num": len(rows), **{key: _mean([v for _id, v in items]) for key, items in per_row.items()}}

    @cached_property
    def class_names(self) -> frozenset[str]:
        """The names of its class list: the labels a class-list metric can score."""
        return frozenset(self.classes.values())

    def options(self) -> dict[str, str]:
        """Multiple choice over a class list: option key ("0", "1", …) → its text."""
        return {str(index): name for index, name in self.classes.items()}


def _text(benchmark: Benchmark, value) -> str:
    text = str(value)
    return text.replace("_", " ") if benchmark.metric.get("classes", {}).get("underscores_as_spaces") else text


def _by_name(names: dict[int, str]) -> dict[str, int]:
    """Class name → id; a repeated name keeps its last id."""
    return {name: index for index, name in names.items()}


def _ids_of(labels, by_name: dict[str, int], task: str) -> set[int]:
    """Label names → ids (``by_name`` from :func:`_by_name`); an unknown name is an error."""
    unknown = [label for label in labels if label not in by_name]
    if unknown:
        raise ValueError(f"{task} label names not in its class list: {unknown}")
    return {by_name[label] for label in labels}


# Scorers: a metric kind's per-row values, as score key → [(row id, value in [0, 1])…].


def _score_vqa(benchmark: Benchmark, rows: list[dict]) -> dict:
    kind = benchmark.metric.get("type_field", "answer_type")
    open_scores = [(r["id"], metrics.open_recall(r["pred"], r["label"])) for r in rows if r[kind] == "OPEN"]
    closed_scores = [(r["id"], metrics.closed_hit(r["pred"], r["label"])) for r in rows if r[kind] == "CLOSED"]
    return {"open_recall": open_scores, "closed_accuracy": closed_scores}


def _score_choice(benchmark: Benchmark, rows: list[dict]) -> dict:
    """Accuracy over options given in the row (the label is an option's key) or over a class list (the
    label is a class name)."""
    hits = []
    fields = benchmark.metric.get("option_fields")
    classes = None if fields else benchmark.options()
    by_text = None if fields else {text: key for key, text in classes.items()}  # a repeated name: its last key
    for r in rows:
        if fields:
            options, label = {key: str(r[key]) for key in fields}, str(r["label"]).strip()
        else:
            options, label = classes, by_text.get(_text(benchmark, r["label"]))
            if label is None:
                raise ValueError(f"{benchmark.name} label {r['label']!r} is not one of the {len(classes)} classes")
        choice, _random = metrics.parse_choice(r["pred"], list(options), options, r["id"])
        hits.append((r["id"], float(choice == label)))
    return {"accuracy": hits}


def _score_labels(benchmark: Benchmark, rows: list[dict]) -> dict:
    names = benchmark.classes
    ids = range(min(names), max(names) + 1)
    ordered, by_name = metrics.longest_first(names), _by_name(names)
    measure = metrics.multilabel_f1 if benchmark.metric["score"] == "f1" else metrics.multilabel_recall
    values = [(r["id"], measure(_ids_of(r["label"], by_name, benchmark.name),
                                metrics.parse_labels(r["pred"], ordered), ids)) for r in rows]  # fmt: skip
    return {benchmark.metric["score"]: values}


def _score_rouge(benchmark: Benchmark, rows: list[dict]) -> dict:
    return {"rouge_l": [(r["id"], metrics.rouge_l(r["pred"], r["label"])) for r in rows]}


def _score_exact(benchmark: Benchmark, rows: list[dict]) -> dict:
    return {"accuracy": [(r["id"], float(r["pred"].strip().casefold() == str(r["label"]).strip().casefold()))
                         for r in rows]}  # fmt: skip


SCORERS = {
    "open_closed_vqa": _score_vqa,
    "multiple_choice": _score_choice,
    "multi_label": _score_labels,
    "rouge_l": _score_rouge,
    "exact_match": _score_exact,
}
SCORE_KEYS = {"open_closed_vqa": {"open_recall", "closed_accuracy"}, "multiple_choice": {"accuracy"},
              "rouge_l": {"rouge_l"}, "exact_match": {"accuracy"}}  # fmt: skip


def _classes(path: Path, spec: dict) -> dict[int, str]:
    """A class list file as id → name (``list``: index = id; ``index_to_name``; ``name_to_index``)."""
    file = (path.parent / spec["file"]).resolve()
    if not file.is_file():
        raise DefinitionError(path, "metric.classes.file", f"no such file: {spec['file']}")
    data = json.loads(file.read_text(encoding="utf-8"))
    form = spec.get("format", "list")
    if form == "list":
        names = dict(enumerate(data))
    elif form == "index_to_name":
        names = {int(i): name for i, name in data.items()}
    elif form == "name_to_index":
        names = {int(i): name for name, i in data.items()}
    else:
        raise DefinitionError(path, "metric.classes.format", f"{form!r} is not one of {', '.join(CLASS_FORMATS)}")
    if spec.get("underscores_as_spaces"):
        names = {i: name.replace("_", " ") for i, name in names.items()}
    return {i: name for i, name in names.items() if i not in set(spec.get("exclude", []))}


def _require(path, data: dict, key: str, kind):
    if key not in data:
        raise DefinitionError(path, key, "missing")
    if not isinstance(data[key], kind):
        raise DefinitionError(path, key, f"must be {getattr(kind, '__name__', kind)}")
    return data[key]


def load_definition(path) -> Benchmark:
    """A benchmark from its YAML definition; a bad definition raises :class:`DefinitionError`."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise DefinitionError(path, "(file)", f"cannot read it as YAML ({err})") from None
    if not isinstance(data, dict):
        raise DefinitionError(path, "(file)", "must be a mapping")
    unknown = set(data) - {"name", "domain", "rows", "size", "fields", "max_new_tokens", "metric", "scores"}
    if unknown:
        raise DefinitionError(path, sorted(unknown)[0], "unknown key")
    name, rows, fields = _require(path, data, "name", str), _require(path, data, "rows", dict), data.get("fields", {})
    if not rows.keys() & {"hub", "local"}:
        raise DefinitionError(path, "rows", "needs 'hub' ({dataset, config, split}) or 'local' (a JSONL file)")
    if "hub" in rows and not {"dataset", "config"} <= set(rows["hub"] or {}):
        raise DefinitionError(path, "rows.hub", "needs 'dataset' and 'config' (and 'split', default test)")
    if "local" in rows:
        rows = {**rows, "local": str((path.parent / rows["local"]).resolve())}
    metric = _require(path, data, "metric", dict)
    kind = metric.get("kind")
    if kind not in METRIC_KINDS:
        raise DefinitionError(path, "metric.kind", f"{kind!r} is not one of {', '.join(METRIC_KINDS)}")
    classes = {}
    if kind == "multi_label" or (kind == "multiple_choice" and "option_fields" not in metric):
        if not isinstance(metric.get("classes"), dict) or "file" not in metric["classes"]:
            raise DefinitionError(path, "metric.classes", "needs a class list {file, format}")
        classes = _classes(path, metric["classes"])
    if kind == "multi_label" and metric.get("score") not in ("f1", "recall"):
        raise DefinitionError(path, "metric.score", "must be f1 or recall")
    extra = tuple(fields.get("extra", []))
    needed = [metric.get("type_field", "answer_type")] if kind == "open_closed_vqa" else []
    needed += metric.get("option_fields", []) if kind == "multiple_choice" else []
    for name_ in needed:
        if name_ not in extra:
            raise DefinitionError(path, "fields.extra", f"must list {name_!r}, which the metric reads")
    scores = tuple((s["key"], s["title"]) for s in _require(path, data, "scores", list))
    allowed = SCORE_KEYS.get(kind, {metric.get("score")})
    for key, _title in scores:
        if key not in allowed:
            raise DefinitionError(path, "scores", f"{key!r} is not a score of {kind} ({', '.join(sorted(allowed))})")
    return Benchmark(
        name=name, source=path, domain=data.get("domain"), rows=rows,
        image_field=fields.get("image", "image"), prompt_field=fields.get("prompt", "input"),
        label_field=fields.get("label", "label"), extra=extra,
        max_new_tokens=int(_require(path, data, "max_new_tokens", int)), metric=metric, scores=scores,
        classes=classes, size=_size(path, data),
    )  # fmt: skip


def _size(path, data: dict) -> int | None:
    size = data.get("size")
    if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size < 1):
        raise DefinitionError(path, "size", "must be a positive integer (the rows of its hub split)")
    return size


def definition_files(paths) -> list[Path]:
    """Definition files given as files or folders (every ``*.yaml`` in a folder)."""
    files = []
    for entry in map(Path, paths):
        files += sorted(entry.glob("*.yaml")) if entry.is_dir() else [entry]
    return files


@cache
def _bundled() -> dict[str, Benchmark]:
    return {b.name: b for b in map(load_definition, definition_files([DEFINITIONS]))}


def registry(extra=()) -> dict[str, Benchmark]:
    """The bundled benchmarks and those defined in ``extra`` (files or folders); a name defined twice is an
    error."""
    benchmarks = dict(_bundled())
    for path in definition_files(extra):
        benchmark = load_definition(path)
        if benchmark.name in benchmarks:
            first = benchmarks[benchmark.name].source
            raise DefinitionError(path, "name", f"{benchmark.name!r} is defined twice (also in {first})")
        benchmarks[benchmark.name] = benchmark
    return benchmarks


BENCHMARKS = _bundled()


def _key(name: str) -> str:
    return name.lower().replace("-", "").replace("_", "")


def get_benchmark(name: str, definitions: dict | None = None) -> Benchmark:
    """A benchmark by name — from ``definitions`` (name → definition file) or the bundled ones; case, '-' and
    '_' are ignored ('vqa-rad' finds VQA_RAD) — or by the path of its definition file."""
    if str(name).endswith((".yaml", ".yml")) and Path(name).is_file():
        return load_definition(name)
    if definitions and name in definitions:
        return load_definition(definitions[name])
    for benchmark in _bundled().values():
        if _key(benchmark.name) == _key(name):
            return benchmark
    raise ValueError(f"unknown task {name!r}; known: {', '.join(_bundled())}")


def domain_benchmarks(domain: str, config: dict | None = None, benchmarks: dict | None = None) -> list[str]:
    """The benchmarks a domain is evaluated on: ``domains.<domain>.benchmarks`` in ``config``, else those
    whose definition names the domain (a paper domain's in the paper's column order)."""
    from adamllm.evaluation.paper import COLUMNS

    named = ((config or {}).get("domains", {}).get(domain) or {}).get("benchmarks")
    if named:
        return list(named)
    paper_order = list(dict.fromkeys(benchmark for benchmark, _key, _title in COLUMNS.get(domain, [])))
    defined = [b.name for b in (benchmarks or _bundled()).values() if b.domain == domain]
    return [name for name in paper_order if name in defined] + [name for name in defined if name not in paper_order]


def food101_options() -> dict[str, str]:
    """Option index ("0"…"100") → Food101 class name with spaces."""
    return get_benchmark("Food101").options()


def foodseg103_names() -> dict[int, str]:
    """Scored FoodSeg103 classes: ids 1…102 (0 background and 103 other ingredients are not scored)."""
    return get_benchmark("FoodSeg103").classes


def nutrition5k_names() -> dict[int, str]:
    return get_benchmark("Nutrition5K").classes


def score_vqa(rows: list[dict]) -> dict:
    """Open/closed VQA scores of rows with ``answer_type``."""
    return get_benchmark("SLAKE").score(rows)


def internal_row(benchmark: Benchmark, row: dict) -> dict:
    """A dataset row under our field names: image, input (the prompt), label and the extra fields."""
    names = {"image": benchmark.image_field, "input": benchmark.prompt_field, "label": benchmark.label_field}
    renamed = {ours: row[theirs] for ours, theirs in names.items() if theirs in row}
    return {**{k: v for k, v in row.items() if k not in names.values()}, **renamed}


def prediction_schema(benchmark: Benchmark) -> Schema:
    """A predictions row of a benchmark (adamllm.core.schemas): a unique id, the label, the model's answer and the
    task's own fields; :func:`label_problem` then judges the label by the metric."""
    fields = {"id": ID, "label": ANY, "pred": STRING, **{name: ANY for name in benchmark.fields}}
    return Schema(f"{benchmark.name} prediction", fields, unique=("id",))


def row_schema(benchmark: Benchmark) -> Schema:
    """A benchmark row under the definition's field names: the image path, the prompt, the label and the task's
    own fields."""
    fields = {benchmark.image_field: TEXT, benchmark.prompt_field: TEXT, benchmark.label_field: ANY}
    return Schema(f"{benchmark.name} row", {**fields, **{name: ANY for name in benchmark.fields}}, {"id": ID})


def _scalar(value) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)


def label_problem(benchmark: Benchmark, row: dict) -> str | None:
    """Why a row's label (or a field its metric reads) cannot be scored: the label of the type the metric reads
    and one it can score (an option, a class of the class list); None when it can."""
    kind, label = benchmark.metric["kind"], row["label"]
    if kind == "open_closed_vqa":
        type_field = benchmark.metric.get("type_field", "answer_type")
        if row[type_field] not in ("OPEN", "CLOSED"):
            return f"{type_field} must be OPEN or CLOSED, not {row[type_field]!r}"
        return None if isinstance(label, str) else "'label' must be a string"
    if kind == "rouge_l":
        return None if isinstance(label, str) else "'label' must be a string"
    if kind == "exact_match":
        return None if _scalar(label) else "'label' must be a string or a number"
    if kind == "multi_label":
        if not isinstance(label, list) or not all(isinstance(name, str) for name in label):
            return f"{benchmark.name} labels are lists of class names"
        unknown = [name for name in label if name not in benchmark.class_names]
        return f"label names not in {benchmark.name}'s class list: {unknown}" if unknown else None
    if not _scalar(label):  # multiple choice
        return "'label' must be a string or a number"
    fields = benchmark.metric.get("option_fields")
    if fields:
        bad = [key for key in fields if not _scalar(row[key])]
        if bad:
            return f"option field(s) {', '.join(bad)} must be strings or numbers"
        if str(label).strip() not in fields:
            return f"label {label!r} is not one of the options {', '.join(fields)}"
        return None
    if _text(benchmark, label) not in benchmark.class_names:
        return f"{benchmark.name} label {label!r} is not one of the {len(benchmark.classes)} classes"
    return None
