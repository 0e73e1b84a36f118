"""Seed data (docs/method.md §1): join VisionFLAN precise QAs, ALLaVA captions and ALLaVA informative QAs by image."""

from __future__ import annotations

import posixpath

from tqdm import tqdm

from adamllm.core.errors import RecordPolicy
from adamllm.core.schemas import ALLAVA, VISIONFLAN, RecordCheck
from adamllm.core.stats import StageStats
from adamllm.core.text import text_problem
from adamllm.data.images import image_problem, usable_image
from adamllm.data.pairs import IMAGE_PLACEHOLDER, image_path


def _record_id(record, index: int) -> str:
    return f"{index} (id {record.get('id')!r})" if isinstance(record, dict) else str(index)


def _two_turns(path, record, index, policy: RecordPolicy) -> tuple[str, str] | None:
    """The (human, gpt) values of a two-turn seed conversation that fits its schema, or None after reporting a
    bad record (the turns out of order)."""
    turns = record["conversations"]
    if [t["from"] for t in turns] != ["human", "gpt"]:
        policy.bad(path, "expected 'conversations' of one human and one gpt turn", _record_id(record, index),
                   "bad conversation")  # fmt: skip
        return None
    return turns[0]["value"], turns[1]["value"]


LEADING, TRAILING = IMAGE_PLACEHOLDER + "\n", "\n" + IMAGE_PLACEHOLDER


def strip_image_placeholder(question: str) -> str | None:
    """A seed question without its image placeholders; None if it has none at its start or end.

    The placeholder sits as ``<image>\\n`` at the start or ``\\n<image>`` at the end; every occurrence
    of either form is removed and the rest is kept byte for byte (docs/method.md, seed data).
    """
    if not (question.startswith(LEADING) or question.endswith(TRAILING)):
        return None
    return question.replace(LEADING, "").replace(TRAILING, "")


def load_captions(path, policy: RecordPolicy, stats: StageStats) -> dict[str, dict]:
    """ALLaVA captions keyed by image basename, kept byte for byte. A second caption of an image is
    ignored and counted (the first stays); an empty caption is a bad record."""
    captions: dict[str, dict] = {}
    for where, record in tqdm(RecordCheck(ALLAVA, policy).records(path), desc="captions", unit="rec", leave=False):
        index = int(where)
        turns = _two_turns(path, record, index, policy)
        if turns is None:
            continue
        name = posixpath.basename(record["image"])
        problem = ("empty caption", "empty caption") if not turns[1].strip() else text_problem(turns[1], "caption")
        if problem:
            policy.bad(path, problem[1], _record_id(record, index), problem[0])
        elif name in captions:
            stats.counts["duplicated captions (ignored)"] += 1
        else:
            captions[name] = {"caption": turns[1]}
    return captions


def _add_qas(path, kind: str, captions: dict[str, dict], policy: RecordPolicy, stats: StageStats) -> None:
    """Attach the QAs of a VisionFLAN (precise) or ALLaVA-Instruct (informative) file to captioned images.

    QAs are kept byte for byte once the image placeholder is removed. A QA whose image has no caption
    is ignored and counted; VisionFLAN records also give the image its path and task name, the last
    record's when several name the same image.
    """
    with_task = kind == "precise"
    records = RecordCheck(VISIONFLAN if with_task else ALLAVA, policy).records(path)
    for where, record in tqdm(records, desc=kind, unit="rec", leave=False):
        index = int(where)
        turns = _two_turns(path, record, index, policy)
        if turns is None:
            continue
        where = _record_id(record, index)
        name = posixpath.basename(record["image"])
        question = strip_image_placeholder(turns[0])
        problem = None if question is None else text_problem(question, "question") or text_problem(turns[1], "answer")
        if question is None:
            policy.bad(path, "question has no image placeholder '<image>' at its start or end", where, "no placeholder")
        elif problem:
            policy.bad(path, problem[1], where, problem[0])
        elif name not in captions:
            stats.counts[f"{kind} QAs without caption (ignored)"] += 1
        else:
            entry = captions[name]
            entry.setdefault(kind, []).append([question, turns[1]])
            if with_task:
                if entry.get("task_name", record["task_name"]) != record["task_name"]:
                    stats.counts["images renamed to a later task"] += 1
                entry["task_name"], entry["image"] = record["task_name"], record["image"]


def join_seed(
    visionflan_metadata,
    allava_caption,
    allava_instruct,
    image_dir,
    policy: RecordPolicy,
    converted_dir=None,
    allow_outside: bool = False,
) -> tuple[list[dict], StageStats]:
    """Joined seed records ``{image, task_name, caption, precise, informative}``, sorted by image name.
    High-bit-depth images are given as 8-bit copies in ``converted_dir`` (when one is given)."""
    stats = StageStats("seed")
    joined = load_captions(allava_caption, policy, stats)
    stats.counts["captions"] = len(joined)
    _add_qas(visionflan_metadata, "precise", joined, policy, stats)
    _add_qas(allava_instruct, "informative", joined, policy, stats)
    stats.items_in = len(joined)
    records = []
    for name in tqdm(sorted(joined), desc="seed images", unit="img", leave=False):
        entry = joined[name]
        if not entry.get("precise") or not entry.get("informative"):
            stats.counts["without both QA kinds"] += 1
            continue
        image, problem = image_path(image_dir, entry["image"], allow_outside)
        problem = problem or image_problem(image)
        if problem:
            policy.bad(visionflan_metadata, problem, f"image {entry['image']!r}", "bad image")
            continue
        records.append(
            {
                "image": usable_image(image, converted_dir, f"{len(records)}") if converted_dir else str(image),
                "task_name": entry["task_name"],
                "caption": entry["caption"],
                "precise": entry["precise"],
                "informative": entry["informative"],
            }
        )
    stats.items_out = len(records)
    stats.skipped.update(policy.skipped)
    return records, stats
