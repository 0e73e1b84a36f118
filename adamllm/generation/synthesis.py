"""Task synthesis: prompts for the synthesizer, and parsing its output into QA turns and triplets
(docs/method.md §4)."""

from __future__ import annotations

from adamllm.data.synth_format import ANSWER_SEPARATOR, EOS, EOT, HINTS, USER_HEADER, synthesis_prompt
from adamllm.generation.backends.base import Request, Sampling
from adamllm.models.families import get_family


def parse_qa_turns(text: str) -> list[tuple[str, str]]:
    """Split a generated continuation (stop string removed) into (question, answer) turns.

    A last piece that does not end the text with ``<|eot_id|>`` is truncated and dropped; a piece
    that does not split into exactly one question and one answer, or has an empty side, is dropped.
    """
    pieces = text.split(USER_HEADER)
    if not text.endswith(EOT):
        pieces = pieces[:-1]
    turns = []
    for piece in pieces:
        parts = piece.split(ANSWER_SEPARATOR)
        if len(parts) != 2:
            continue
        question = parts[0].strip()
        answer = parts[1].strip().removesuffix(EOT).strip()
        if question and answer:
            turns.append((question, answer))
    return turns


HINT_LINES = tuple((kind, hint + "\n") for kind, hint in HINTS.items())


def _split_hint(question: str) -> tuple[str | None, str]:
    """The hint's kind and the question after the hint line, cut exactly (the rest is not stripped again)."""
    for kind, line in HINT_LINES:
        if question.startswith(line):
            return kind, question[len(line) :]
    return None, question


def pair_triplet(turns: list[tuple[str, str]]) -> dict | None:
    """The first question answered both precisely and informatively, as ``{Q, precise_A, informative_A}``."""
    seen: dict[str, dict[str, str]] = {"precise": {}, "informative": {}}
    for question, answer in turns:
        kind, bare = _split_hint(question)
        if kind is None:
            continue
        other = "informative" if kind == "precise" else "precise"
        if bare in seen[other]:
            answers = {kind: answer, other: seen[other][bare]}
            return {"Q": bare, "precise_A": answers["precise"], "informative_A": answers["informative"]}
        seen[kind][bare] = answer
    return None


def extract_triplet(text: str) -> dict | None:
    """Parse a generated continuation and pair its turns into at most one triplet."""
    return pair_triplet(parse_qa_turns(text))


def synthesis_sampling(max_new_tokens: int = 512) -> Sampling:
    """Greedy decoding to the end of text: the continuation keeps its turn markers for parsing (docs/method.md §4)."""
    return Sampling(max_new_tokens=max_new_tokens, stop=(EOS,), skip_special_tokens=False)


def synthesis_request(item: dict, double_bos: bool, image_token: str) -> Request:
    """The generation request for one image-caption pair (the original caption instruction is not used)."""
    return Request(synthesis_prompt(item["caption"], double_bos, image_token), image=item["image"])


def prompt_length_problem(tokenizer, prompt: str, limit: int | None) -> str | None:
    """Why a synthesis prompt cannot run: it fills the ``limit``-token context (``max_model_len``) before a token
    is generated; None when it fits or there is no limit. Its text is counted as the engine counts it."""
    if not limit:
        return None
    length = len(tokenizer(prompt, add_special_tokens=False)["input_ids"])
    if length < limit:
        return None
    return f"synthesis prompt of {length} tokens (mostly its caption) fills the {limit}-token context"


def caption_length_check(model: str, limit: int, double_bos: bool = True):
    """``caption → problem or None``: whether a caption's synthesis prompt fits the ``limit``-token context,
    counted with the synthesizer's own tokenizer (``model``: a folder or a hub id), so that the shard stage finds
    what a synthesis job would."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model)
    image_token = get_family("llava_next_synthesizer").image_token  # one token, as the engine's own is

    def check(caption: str) -> str | None:
        return prompt_length_problem(tokenizer, synthesis_prompt(caption, double_bos, image_token), limit)

    return check
