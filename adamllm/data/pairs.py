"""Domain image-caption pairs (docs/method.md §4 format): validation and sharding."""

from __future__ import annotations

from pathlib import Path

from tqdm import tqdm

from adamllm.core.errors import RecordPolicy
from adamllm.core.schemas import PAIR, RecordCheck
from adamllm.core.stats import StageStats
from adamllm.core.text import IMAGE_PLACEHOLDER, text_problem
from adamllm.data.images import image_problem, usable_image

TOO_LONG = "caption longer than the context"


def _pair_problem(record: dict) -> tuple[str, str] | None:
    """``(kind, message)`` of what is wrong with a pairs record that fits its schema (adamllm.core.schemas.PAIR), or
    None: turns out of order, no image placeholder where the format puts it, an empty caption, control tokens."""
    messages = record["messages"]
    if [m["role"] for m in messages] != ["user", "assistant"]:
        return "bad turns", "expected one user turn, then one assistant turn"
    if IMAGE_PLACEHOLDER not in messages[0]["content"]:
        return "no placeholder", "user message has no image placeholder '<image>'"
    if not messages[1]["content"].strip():
        return "empty caption", "empty caption"
    return text_problem(messages[0]["content"], "user message", placeholder_allowed=True) or text_problem(
        messages[1]["content"], "caption"
    )


def image_path(image_dir, name: str, allow_outside: bool) -> tuple[Path, str | None]:
    """Where a record's image lies, and why it may not be used there: a path that leaves ``image_dir``
    (``..``, an absolute path) is refused unless ``allow_outside``."""
    path = Path(image_dir) / name
    if not allow_outside and not path.resolve().is_relative_to(Path(image_dir).resolve()):
        return path, f"image path {name!r} leaves the image folder {str(image_dir)!r} (allow_images_outside_dir)"
    return path, None


def load_pairs(
    path, image_dir, policy: RecordPolicy, converted_dir=None, allow_outside: bool = False, caption_check=None
) -> tuple[list[dict], StageStats]:
    """Valid pairs as ``{id, image, instruction, caption}``; ``id`` is the record's index in the file.
    ``caption_check`` (caption → problem or None) judges what a record's caption leads to downstream (its
    synthesis prompt's length: adamllm.generation.synthesis.caption_length_check).

    High-bit-depth images are given as 8-bit copies in ``converted_dir`` (when one is given), so that
    every loader downstream, LLaMA-Factory's included, sees them by their real value range.
    """
    stats = StageStats("pairs")
    check = RecordCheck(PAIR, policy)
    seen: set[str] = set()
    pairs = []
    for where, record in tqdm(check.records(path), desc="pairs", unit="pair", leave=False):
        index = int(where)
        problem = _pair_problem(record)
        if problem:
            policy.bad(path, problem[1], index, problem[0])
            continue
        long = caption_check(record["messages"][1]["content"]) if caption_check else None
        if long:
            policy.bad(path, long, index, TOO_LONG)
            continue
        name = record["images"][0]
        if name in seen:
            policy.bad(path, f"duplicated image name {name!r}", index, "duplicated image")
            continue
        image, problem = image_path(image_dir, name, allow_outside)
        problem = problem or image_problem(image)
        if problem:
            policy.bad(path, problem, index, "bad image")
            continue
        seen.add(name)
        pairs.append(
            {
                "id": index,
                "image": usable_image(image, converted_dir, str(index)) if converted_dir else str(image),
                "instruction": record["messages"][0]["content"],
                "caption": record["messages"][1]["content"],  # byte for byte, as the synthesizer sees it
            }
        )
    stats.items_in = check.total
    stats.items_out = len(pairs)
    stats.skipped.update(policy.skipped)
    return pairs, stats


def split_shards(items: list, count: int) -> list[list]:
    """``count`` contiguous shards whose sizes differ by at most one (some may be empty)."""
    if count < 1:
        raise ValueError("shard count must be at least 1")
    size, extra = divmod(len(items), count)
    shards, start = [], 0
    for index in range(count):
        end = start + size + (1 if index < extra else 0)
        shards.append(items[start:end])
        start = end
    return shards
