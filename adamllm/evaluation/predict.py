"""Predictions of one model on benchmarks: local rows (sample sets, or hub rows fetched by
:mod:`adamllm.evaluation.fetch`), greedy, in the family's chat format."""

from __future__ import annotations

import itertools
from pathlib import Path

from adamllm.core.errors import BadInputError, RecordPolicy
from adamllm.core.io import write_jsonl
from adamllm.core.schemas import RecordCheck
from adamllm.core.text import text_problem
from adamllm.data.images import image_problem
from adamllm.evaluation.tasks import Benchmark, get_benchmark, internal_row, label_problem, row_schema
from adamllm.generation.backends import Engine, Request, Sampling
from adamllm.models.families import get_family


def load_local_rows(benchmark: Benchmark, rows_file, policy: RecordPolicy | None = None) -> list[dict]:
    """Rows of a benchmark's JSONL file (or ``<folder>/<task>.jsonl``) under our field names (the
    definition maps its own); image paths are relative to the file. A row whose prompt is not plain text
    (adamllm.core.text) or whose image no model family can take is a bad record (``policy``)."""
    policy = policy or RecordPolicy()
    path = Path(rows_file)
    path = path / f"{benchmark.name}.jsonl" if path.is_dir() else path
    rows = []
    for where, raw in RecordCheck(row_schema(benchmark)).records(path):
        row = internal_row(benchmark, raw)
        problem = label_problem(benchmark, row)
        if problem:
            raise BadInputError(path, problem, where)
        image = path.parent / row["image"]
        problem = text_problem(row["input"], "prompt") or ("bad image", image_problem(image))
        if problem[1]:
            policy.bad(path, problem[1], where, problem[0])
            continue
        rows.append({**row, "image": str(image)})
    return rows


def chat_prompt(engine, text: str) -> str:
    """The family's system turn (if any) and one user turn with the image and the benchmark's prompt, in
    the model's own chat format."""
    system = engine.family.chat.system_message
    messages = [{"role": "system", "content": system}] if system else []
    messages.append({"role": "user", "content": [{"type": "image"}, {"type": "text", "text": text}]})
    return engine.processor.apply_chat_template(messages, add_generation_prompt=True)


def answer_limit(task: str, cap: int | None = None, definitions: dict | None = None) -> int:
    """New tokens a model may answer a task with: the benchmark's limit, capped by ``cap`` when given."""
    limit = get_benchmark(task, definitions).max_new_tokens
    return min(limit, cap) if cap else limit


def evaluation_sampling(family, max_new_tokens: int) -> Sampling:
    """Greedy decoding to the family's end tokens (the checkpoint's own where the registry names none);
    special tokens are skipped in the answer."""
    return Sampling(max_new_tokens=max_new_tokens, stop=get_family(family).chat.stop)


def predict(model, family, tasks, outs, rows_files: dict, engine: Engine, max_new_tokens_cap=None, on_bad_record="stop",
            chunk_size=512, definitions=None) -> dict:  # fmt: skip
    """Greedy predictions of a model on each task's rows (``rows_files``: task → JSONL file); one JSONL per
    task with the input row, its task and ``pred``. The rows of all tasks are worked through in chunks kept
    in a progress store beside the first output's folder (adamllm.generation.progress), images opened per chunk.
    Returns the rows skipped per task (``on_bad_record: skip``)."""
    from adamllm.generation.progress import progress_key, run_chunked

    items, skipped, files = [], {}, []
    for task in tasks:
        benchmark = get_benchmark(task, definitions)
        policy = RecordPolicy(on_bad_record)
        items += [{**row, "task": benchmark.name} for row in load_local_rows(benchmark, rows_files[task], policy)]
        skipped[task] = dict(policy.skipped)
        files.append(rows_files[task])
    backend = None

    def work(chunk):
        nonlocal backend
        backend = backend or engine.load(model, family)
        preds = {}
        for task in dict.fromkeys(row["task"] for row in chunk):  # one sampling per task, in order
            rows = [row for row in chunk if row["task"] == task]
            requests = [Request(chat_prompt(backend, row["input"]), row["image"]) for row in rows]
            sampling = evaluation_sampling(family, answer_limit(task, max_new_tokens_cap, definitions))
            preds.update(zip((id(r) for r in rows), backend.generate(requests, sampling), strict=True))
        return [{**row, "pred": preds[id(row)]} for row in chunk]

    def write(rows):
        by_task = {get_benchmark(task, definitions).name: out for task, out in zip(tasks, outs, strict=True)}
        written = set()
        for task, group in itertools.groupby(rows, key=lambda row: row["task"]):
            write_jsonl(by_task[task], group)
            written.add(task)
        for task in by_task.keys() - written:  # every row skipped: an empty file, the skips counted
            write_jsonl(by_task[task], [])

    settings = {"stage": "predict", "family": family, "tasks": list(tasks), "engine": engine.here(),
                "cap": max_new_tokens_cap, "on_bad_record": on_bad_record}  # fmt: skip
    key = progress_key([*files, model], settings)
    run_chunked(items, work, Path(outs[0]).parent, key, chunk_size, f"predict {family} {Path(model).name}", write)
    return skipped
