"""Seed data (SPEC §1): join VisionFLAN precise QAs, ALLaVA captions and ALLaVA informative QAs by image."""

from __future__ import annotations

import posixpath
from pathlib import Path

from tqdm import tqdm

from adamllm.errors import RecordPolicy
from adamllm.images import image_problem
from adamllm.io import read_json_list
from adamllm.stats import StageStats

IMAGE_PLACEHOLDER = "<image>"


def _record_id(record, index: int) -> str:
    return f"{index} (id {record.get('id')!r})" if isinstance(record, dict) else str(index)


def _two_turns(path, record, index, policy: RecordPolicy) -> tuple[str, str] | None:
    """The (human, gpt) values of a two-turn seed conversation, or None after reporting a bad record."""
    where = _record_id(record, index)
    if not isinstance(record, dict) or not isinstance(record.get("image"), str) or not record["image"]:
        policy.bad(path, "record has no 'image' path", where, "no image")
        return None
    turns = record.get("conversations")
    if (
        not isinstance(turns, list)
        or len(turns) != 2
        or not all(isinstance(t, dict) and isinstance(t.get("value"), str) for t in turns)
        or [t.get("from") for t in turns] != ["human", "gpt"]
    ):
        policy.bad(path, "expected 'conversations' of one human and one gpt turn", where, "bad conversation")
        return None
    return turns[0]["value"], turns[1]["value"]


def strip_image_placeholder(question: str) -> str | None:
    """Remove the image placeholder from the start or end of a seed question; None if it has none."""
    if question.startswith(IMAGE_PLACEHOLDER + "\n"):
        return question[len(IMAGE_PLACEHOLDER) + 1 :]
    if question.endswith("\n" + IMAGE_PLACEHOLDER):
        return question[: -len(IMAGE_PLACEHOLDER) - 1]
    return None


def load_captions(path, policy: RecordPolicy) -> dict[str, dict]:
    """ALLaVA captions keyed by image basename; duplicated names and empty captions are bad records."""
    captions: dict[str, dict] = {}
    for index, record in enumerate(tqdm(read_json_list(path), desc="captions", unit="rec", leave=False)):
        turns = _two_turns(path, record, index, policy)
        if turns is None:
            continue
        name = posixpath.basename(record["image"])
        caption = turns[1].strip()
        if not caption:
            policy.bad(path, "empty caption", _record_id(record, index), "empty caption")
        elif name in captions:
            policy.bad(path, f"duplicated image name {name!r}", _record_id(record, index), "duplicated image")
        else:
            captions[name] = {"caption": caption}
    return captions


def _add_qas(path, kind: str, captions: dict[str, dict], policy: RecordPolicy, with_task: bool) -> None:
    """Attach the QAs of a VisionFLAN (precise) or ALLaVA-Instruct (informative) file to captioned images."""
    for index, record in enumerate(tqdm(read_json_list(path), desc=kind, unit="rec", leave=False)):
        turns = _two_turns(path, record, index, policy)
        if turns is None:
            continue
        where = _record_id(record, index)
        name = posixpath.basename(record["image"])
        question = strip_image_placeholder(turns[0])
        if question is None:
            policy.bad(path, "question has no image placeholder '<image>' at its start or end", where, "no placeholder")
        elif not turns[1].strip():
            policy.bad(path, "empty answer", where, "empty answer")
        elif name not in captions:
            policy.bad(path, f"image {name!r} has no caption", where, "no caption")
        else:
            entry = captions[name]
            entry.setdefault(kind, []).append([question.strip(), turns[1].strip()])
            if with_task:
                if not isinstance(record.get("task_name"), str):
                    policy.bad(path, "record has no 'task_name'", where, "no task name")
                    continue
                entry.setdefault("task_name", record["task_name"])
                entry.setdefault("image", record["image"])


def join_seed(
    visionflan_metadata, allava_caption, allava_instruct, image_dir, policy: RecordPolicy
) -> tuple[list[dict], StageStats]:
    """Joined seed records ``{image, task_name, caption, precise, informative}``, sorted by image name."""
    stats = StageStats("seed")
    joined = load_captions(allava_caption, policy)
    stats.counts["captions"] = len(joined)
    _add_qas(visionflan_metadata, "precise", joined, policy, with_task=True)
    _add_qas(allava_instruct, "informative", joined, policy, with_task=False)
    stats.items_in = len(joined)
    records = []
    for name in tqdm(sorted(joined), desc="seed images", unit="img", leave=False):
        entry = joined[name]
        if not entry.get("precise") or not entry.get("informative"):
            stats.counts["without both QA kinds"] += 1
            continue
        image_path = Path(image_dir) / entry["image"]
        problem = image_problem(image_path)
        if problem:
            policy.bad(visionflan_metadata, problem, f"image {entry['image']!r}", "bad image")
            continue
        records.append(
            {
                "image": str(image_path),
                "task_name": entry["task_name"],
                "caption": entry["caption"],
                "precise": entry["precise"],
                "informative": entry["informative"],
            }
        )
    stats.items_out = len(records)
    stats.skipped.update(policy.skipped)
    return records, stats
