"""Consistency filter (docs/method.md §5): a text-only LM judges whether the precise answer follows from the
informative one."""

from __future__ import annotations

import re
from pathlib import Path

from adamllm import TEMPLATES
from adamllm.core.errors import BadInputError
from adamllm.core.text import text_problem
from adamllm.data.synth_format import EOS
from adamllm.generation.backends.base import Sampling

DEFAULT_TEMPLATE = TEMPLATES / "consistency_prompt.txt"
FIELDS = {"question": "Q", "informative_answer": "informative_A", "precise_answer": "precise_A"}
PLACEHOLDERS = tuple(f"{{{name}}}" for name in FIELDS)
_PLACEHOLDER = re.compile("|".join(re.escape(p) for p in PLACEHOLDERS))
LABELS = ("yes", "no", "open")


def load_template(path=None) -> str:
    """Read a consistency prompt template; it must hold each placeholder exactly once."""
    path = Path(path or DEFAULT_TEMPLATE)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadInputError(path, "consistency prompt template not found") from None
    for placeholder in PLACEHOLDERS:
        if text.count(placeholder) != 1:
            raise BadInputError(path, f"template must contain {placeholder} exactly once")
    return text.rstrip("\n")


def render_prompt(template: str, triplet: dict) -> str:
    """Fill the template's placeholders with a triplet in one pass: text inserted for one placeholder is
    never read again, so a question or answer that contains ``{precise_answer}`` stays as written."""
    return _PLACEHOLDER.sub(lambda match: triplet[FIELDS[match.group()[1:-1]]], template)


def triplet_problem(triplet: dict) -> str | None:
    """Why a synthesized triplet cannot become training text: a model's control token in its question or
    answers (docs/method.md §5; adamllm.core.text). The filter rejects it without asking the checker."""
    for key in FIELDS.values():
        problem = text_problem(triplet[key], key, placeholder_allowed=True)
        if problem:
            return problem[1]
    return None


def checker_sampling(max_new_tokens: int = 2) -> Sampling:
    """Greedy, a few tokens, ending at the end of text; the plain-text prompt gets the tokenizer's BOS."""
    return Sampling(max_new_tokens=max_new_tokens, stop=(EOS,), add_special_tokens=True)


def judge_label(output: str) -> str:
    """The checker's label: 'yes', 'no', 'open' or 'other' (after strip + lowercase)."""
    label = output.strip().lower()
    return label if label in LABELS else "other"


def is_consistent(output: str) -> bool:
    """Only an exact 'yes' (after strip + lowercase) keeps a task."""
    return output.strip().lower() == "yes"
