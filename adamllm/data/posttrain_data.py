"""Post-training data (docs/method.md §6): caption task + kept synthetic task per image, in LLaMA-Factory
sharegpt format."""

from __future__ import annotations

import random
from dataclasses import dataclass

from adamllm.data.pairs import IMAGE_PLACEHOLDER

CONCLUSION_INDICATORS = ("could be ", "so ", "thus ", "therefore ", "final ", "answer ", "result ")

# Our own small pools of forward phrasings: (instruction, response) templates.
QA_TEMPLATES = (
    ("{question}", "{answer}"),
    ("Question: {question}", "{answer}"),
    ("{question}\nAnswer the question using the image.", "{answer}"),
    ("Look at the image and answer: {question}", "{answer}"),
)
COT_TEMPLATES = (
    ("{question}", "{cot}\nThe answer is: {answer}"),
    ("{question}\nExplain your reasoning before answering.", "{cot}\nAnswer: {answer}"),
    ("Question: {question}\nThink it through, then answer.", "Reasoning: {cot}\nFinal answer: {answer}"),
)


@dataclass(frozen=True)
class Recipe:
    """Which tasks a record gets: the caption task, and synthetic tasks from which source and answer."""

    caption: bool
    tasks: str | None  # "filtered" (judged Yes), "unfiltered" (every triplet), or None
    answer: str = "combined"  # "combined" (docs/method.md §6), "precise" or "informative"


RECIPES = {
    "single_stage": Recipe(caption=True, tasks="filtered"),
    "caption_only": Recipe(caption=True, tasks=None),
    "synthetic_only": Recipe(caption=False, tasks="filtered"),
    "unfiltered_precise": Recipe(caption=True, tasks="unfiltered", answer="precise"),
    "unfiltered_informative": Recipe(caption=True, tasks="unfiltered", answer="informative"),
}
# Recipes built from the general seed data instead of (or beside) the domain's synthetic tasks.
GENERAL_RECIPES = {"general": None, "general_caption": "caption_only"}
DATA_RECIPES = (*RECIPES, *GENERAL_RECIPES)


def _has_indicator(text: str) -> bool:
    return any(indicator in text for indicator in CONCLUSION_INDICATORS)


def synthetic_turns(triplet: dict, rng: random.Random, answer: str = "combined") -> tuple[str, str]:
    """One (instruction, response) pair from a triplet, phrased by a template drawn from ``rng``."""
    question, precise, informative = triplet["Q"], triplet["precise_A"], triplet["informative_A"]
    qa_template = rng.choice(QA_TEMPLATES)
    cot_template = rng.choice(COT_TEMPLATES)
    if answer in ("precise", "informative"):
        instruction, response = qa_template
        return instruction.format(question=question), response.format(answer=triplet[f"{answer}_A"])
    last_sentence = informative.strip().lower().split(". ")[-1]
    if _has_indicator(last_sentence):
        instruction, response = qa_template
        return instruction.format(question=question), response.format(answer=informative)
    if _has_indicator(precise.lower()):
        instruction, response = qa_template
        return instruction.format(question=question), response.format(answer=f"{informative} {precise}")
    instruction, response = cot_template
    return instruction.format(question=question), response.format(cot=informative, answer=precise)


def without_placeholder(text: str) -> str:
    """``text`` with every image placeholder removed (``<image>\\n`` first, then bare ``<image>``);
    nothing else changes."""
    if IMAGE_PLACEHOLDER not in text:  # the common case, one scan
        return text
    return text.replace(IMAGE_PLACEHOLDER + "\n", "").replace(IMAGE_PLACEHOLDER, "")


def sharegpt_record(tasks: list[tuple[str, str]], image: str) -> dict:
    """A sharegpt record of (instruction, response) turns about one image: the first user turn is the
    image placeholder, a newline, then the instruction; every other placeholder is removed, so the
    record carries exactly one image token."""
    messages = []
    for index, (instruction, response) in enumerate(tasks):
        content = without_placeholder(instruction)
        if index == 0:
            content = f"{IMAGE_PLACEHOLDER}\n{content}"
        messages += [
            {"role": "user", "content": content},
            {"role": "assistant", "content": without_placeholder(response)},
        ]
    return {"messages": messages, "images": [image]}


def format_record(item: dict, recipe: Recipe, seed: int, keep_caption_without_task: bool) -> dict | None:
    """The sharegpt record of one image, or None when it gets no task under the recipe.

    With ``keep_caption_without_task`` off (the reference formatter), an image is dropped only when no
    triplet was synthesized for it; one whose triplet was judged No or Open keeps its caption task.
    """
    rng = random.Random(f"{seed}:{item['id']}")
    tasks = []
    triplet = item.get("triplet")
    if triplet is None and recipe.tasks and not keep_caption_without_task:
        return None
    if triplet is not None and (
        recipe.tasks == "unfiltered" or (recipe.tasks == "filtered" and item.get("consistent", False))
    ):
        tasks.append(synthetic_turns(triplet, rng, recipe.answer))
    if recipe.caption:
        tasks.insert(rng.randrange(len(tasks) + 1), (item["instruction"], item["caption"]))
    return sharegpt_record(tasks, item["image"]) if tasks else None


def general_record(seed_record: dict, index: int, seed: int) -> dict:
    """A seed image's QAs in task format: the first question answered both ways, phrased like a synthetic task."""
    rng = random.Random(f"{seed}:general:{index}")
    informative = dict(seed_record["informative"])
    question, precise = next(((q, a) for q, a in seed_record["precise"] if q in informative), seed_record["precise"][0])
    if question in informative:
        triplet = {"Q": question, "precise_A": precise, "informative_A": informative[question]}
        instruction, response = synthetic_turns(triplet, rng)
    else:
        instruction, response = question, precise
    return sharegpt_record([(instruction, response)], seed_record["image"])


def dataset_info(name: str, file_name: str) -> dict:
    """The LLaMA-Factory ``dataset_info.json`` entry of a sharegpt file with images."""
    return {
        name: {
            "file_name": file_name,
            "formatting": "sharegpt",
            "columns": {"messages": "messages", "images": "images"},
            "tags": {
                "role_tag": "role",
                "content_tag": "content",
                "user_tag": "user",
                "assistant_tag": "assistant",
            },
        }
    }
