"""Synthesizer training set (docs/method.md §2): one multi-turn sample per seed image, blank images, 90/10 split."""

from __future__ import annotations

import random
from collections import defaultdict

from adamllm.data.synth_format import hinted_question


def seed_sample(record: dict, index: int) -> dict:
    """The caption plus the image's precise and informative QAs, hinted and shuffled together."""
    turns = [
        {"kind": kind, "question": hinted_question(kind, question), "answer": answer}
        for kind in ("precise", "informative")
        for question, answer in record[kind]
    ]
    random.Random(index).shuffle(turns)
    return {
        "image": record["image"],
        "task_name": record["task_name"],
        "blank": False,
        "caption": record["caption"],
        "turns": turns,
    }


def build_trainset(
    seed_records: list[dict], blank_image: str, blank_ratio: float, dev_ratio: float, seed: int
) -> tuple[list[dict], list[dict], dict]:
    """Per task: shuffle, blank the image of ``blank_ratio`` of the samples, split train/dev.

    Returns (train, dev, per-task counts). The caption text of a blanked sample is kept.
    """
    if not 0 <= blank_ratio <= 1 or not 0 <= dev_ratio < 1:
        raise ValueError("blank_ratio must be in [0, 1] and dev_ratio in [0, 1)")
    by_task: dict[str, list[dict]] = defaultdict(list)
    for index, record in enumerate(seed_records):
        by_task[record["task_name"]].append(seed_sample(record, index))
    train, dev, per_task = [], [], {}
    for task in sorted(by_task):
        samples = by_task[task]
        rng = random.Random(f"{seed}:{task}")
        rng.shuffle(samples)
        for position in rng.sample(range(len(samples)), round(blank_ratio * len(samples))):
            samples[position] = {**samples[position], "image": blank_image, "blank": True}
        cut = int((1 - dev_ratio) * len(samples))
        train += samples[:cut]
        dev += samples[cut:]
        per_task[task] = {"train": cut, "dev": len(samples) - cut, "blank": sum(s["blank"] for s in samples)}
    random.Random(seed).shuffle(train)
    random.Random(seed).shuffle(dev)
    return train, dev, per_task
