"""The generation-backend interface."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Request:
    """A fully formatted prompt and at most one image (a path or a PIL image)."""

    prompt: str
    image: object = None


@dataclass(frozen=True)
class Sampling:
    """Greedy decoding settings.

    ``stop``: strings that end generation and are removed from the output; when empty, the
    model's own end-of-turn tokens end it. ``add_special_tokens``: let the tokenizer add its
    BOS (for plain-text prompts); formatted chat prompts carry their own.
    """

    max_new_tokens: int
    stop: tuple[str, ...] = ()
    skip_special_tokens: bool = True
    add_special_tokens: bool = False


class GenerationBackend(ABC):
    """Generates greedy continuations; outputs are in the order of the requests."""

    image_token: str | None = None  # the placeholder a prompt carries for its image

    @abstractmethod
    def generate(self, requests: Sequence[Request], sampling: Sampling) -> list[str]:
        """The continuation of each request, stop strings removed."""


def strip_stop(text: str, stop: Sequence[str]) -> str:
    """Cut ``text`` at the first stop string it contains."""
    cut = min((text.find(s) for s in stop if s in text), default=-1)
    return text if cut < 0 else text[:cut]
