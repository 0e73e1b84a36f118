"""The generation-backend interface, and the decoding both backends share."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass


class PromptTooLong(ValueError):
    """A request whose prompt fills the engine's context (``max_model_len``) before anything is generated."""

    def __init__(self, index: int, length: int, limit: int):
        self.index, self.length, self.limit = index, length, limit
        super().__init__(f"request {index}: prompt of {length} tokens does not fit max_model_len {limit}")


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
    """Generates greedy continuations; outputs are in the order of the requests.

    A backend produces token ids; decoding and stop handling are shared, so two backends whose
    token ids agree return identical text.
    """

    image_token: str | None = None  # the placeholder a prompt carries for its image
    family = None  # the registry's ModelFamily
    tokenizer = None
    end_ids: list[int] = []  # the model's own end-of-turn tokens (generation config)

    @abstractmethod
    def generate_tokens(self, requests: Sequence[Request], sampling: Sampling) -> list[list[int]]:
        """Generated token ids of each request, without the final end or stop token."""

    def stop_plan(self, sampling: Sampling) -> tuple[list[int], list[str]]:
        """Stop strings split into single-token ids (stopped on by id) and longer texts."""
        vocab = self.tokenizer.get_vocab()
        return [vocab[s] for s in sampling.stop if s in vocab], [s for s in sampling.stop if s not in vocab]

    def ending_ids(self, sampling: Sampling) -> set[int]:
        """Tokens that end a generation: the stop tokens when given, else the model's end-of-turn tokens."""
        return set(self.stop_plan(sampling)[0]) if sampling.stop else set(self.end_ids)

    def decode(self, generated: list[list[int]], sampling: Sampling) -> list[str]:
        """Generated token ids as text, stop strings removed."""
        _ids, texts = self.stop_plan(sampling)
        return [
            strip_stop(self.tokenizer.decode(tokens, skip_special_tokens=sampling.skip_special_tokens), texts)
            for tokens in generated
        ]

    def generate(self, requests: Sequence[Request], sampling: Sampling) -> list[str]:
        """The continuation of each request, decoded, stop strings removed."""
        return self.decode(self.generate_tokens(requests, sampling), sampling)


def image_processor_kwargs(family) -> dict:
    """What the family's image processor is given besides the image (its pixel range, where the registry
    sets one)."""
    if family.chat.image_pixels is None:
        return {}
    low, high = family.chat.image_pixels
    return {"min_pixels": low, "max_pixels": high}


def strip_stop(text: str, stop: Sequence[str]) -> str:
    """Cut ``text`` at the first stop string it contains."""
    cut = min((text.find(s) for s in stop if s in text), default=-1)
    return text if cut < 0 else text[:cut]


def without_end(tokens: list[int], ends: set[int]) -> list[int]:
    """Drop the token that ended a generation, if it is there."""
    return tokens[:-1] if tokens and tokens[-1] in ends else tokens


def eos_ids(eos) -> list[int]:
    return [eos] if isinstance(eos, int) else list(eos or [])
