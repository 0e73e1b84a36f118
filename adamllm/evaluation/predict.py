"""Predictions of one model on benchmarks: rows from local sample sets or the hub, greedy, family chat format."""

from __future__ import annotations

from pathlib import Path

from adamllm.backends import Request, Sampling, load_backend
from adamllm.errors import BadInputError
from adamllm.evaluation.tasks import Benchmark, get_benchmark, validate_row
from adamllm.families import get_family
from adamllm.images import image_problem
from adamllm.io import read_jsonl, write_jsonl


def load_local_rows(benchmark: Benchmark, folder) -> list[dict]:
    """Rows of ``<folder>/<task>.jsonl``; image paths are relative to that file."""
    path = Path(folder) / f"{benchmark.name}.jsonl"
    rows = read_jsonl(path)
    for line, row in enumerate(rows, start=1):
        where = f"at line {line}"
        validate_row(benchmark, {"pred": "", **row}, path, where)
        if not isinstance(row.get("input"), str) or not isinstance(row.get("image"), str):
            raise BadInputError(path, "rows need 'input' (the prompt) and 'image' (a path)", where)
        image = path.parent / row["image"]
        problem = image_problem(image)
        if problem:
            raise BadInputError(path, problem, where)
        row["image"] = str(image)
    return rows


def load_hub_rows(benchmark: Benchmark, revision: str) -> list[dict]:
    """Rows of the benchmark's test split on the Hugging Face hub, at a pinned revision."""
    from datasets import load_dataset

    dataset = load_dataset(benchmark.hub_dataset, benchmark.hub_config, split="test", revision=revision)
    return [{"id": index, **row} for index, row in enumerate(dataset)]


def chat_prompt(engine, text: str) -> str:
    """The family's system turn (if any) and one user turn with the image and the benchmark's prompt, in
    the model's own chat format."""
    system = engine.family.chat.system_message
    messages = [{"role": "system", "content": system}] if system else []
    messages.append({"role": "user", "content": [{"type": "image"}, {"type": "text", "text": text}]})
    return engine.processor.apply_chat_template(messages, add_generation_prompt=True)


def answer_limit(task: str, cap: int | None = None) -> int:
    """New tokens a model may answer a task with: the benchmark's limit, capped by ``cap`` when given."""
    limit = get_benchmark(task).max_new_tokens
    return min(limit, cap) if cap else limit


def evaluation_sampling(family, max_new_tokens: int) -> Sampling:
    """Greedy decoding to the family's end tokens (the checkpoint's own where the registry names none);
    special tokens are skipped in the answer."""
    return Sampling(max_new_tokens=max_new_tokens, stop=get_family(family).chat.stop)


def _stored(row: dict, benchmark: Benchmark) -> dict:
    """The row as written beside its prediction; a hub image is kept as a reference, not pixels."""
    image = row["image"]
    if not isinstance(image, str):
        image = f"{benchmark.hub_dataset}/{benchmark.hub_config}/test/{row['id']}"
    return {**row, "image": image, "task": benchmark.name}


def predict(model, family, tasks, outs, source="local", local_dir=None, revision="main", backend="transformers",
            max_new_tokens_cap=None, backend_options=None):  # fmt: skip
    """Greedy predictions of a model on each task; one JSONL per task with the input row and ``pred``."""
    engine = load_backend(backend, str(model), family, **(backend_options or {}))
    for task, out in zip(tasks, outs, strict=True):
        benchmark = get_benchmark(task)
        rows = load_local_rows(benchmark, local_dir) if source == "local" else load_hub_rows(benchmark, revision)
        limit = answer_limit(task, max_new_tokens_cap)
        requests = [Request(chat_prompt(engine, row["input"]), row["image"]) for row in rows]
        predictions = engine.generate(requests, evaluation_sampling(family, limit))
        write_jsonl(out, ({**_stored(row, benchmark), "pred": p} for row, p in zip(rows, predictions, strict=True)))
