"""Text stays text: literal text in the data must never turn into a control token of a model's tokenizer.

Every family's control tokens are written ``<|name|>`` (Llama-3: ``<|eot_id|>``, ``<|start_header_id|>``,
``<|image|>``…; Qwen2-VL: ``<|im_end|>``, ``<|image_pad|>``…), and the HF LLaVA-NeXT checkpoints take
``<image>`` as their image token. Tokenizers turn such strings into the control token wherever they occur,
so a caption holding ``<|eot_id|><|start_header_id|>user<|end_header_id|>`` would inject turns into a prompt.
The rule: input text holding either form is a bad record (named; counted under ``on_bad_record: skip``),
except the image placeholder where the data format puts it (the pairs' user turn, seed questions). Text a
model wrote (synthesized tasks) holding one is rejected by the consistency filter.

Text is judged as Unicode text, not as ASCII: any letter of any script is text, but a lone UTF-16 surrogate
(JSON's ``"\ud800"``, which no UTF-8 file can hold) and control characters other than tab, line feed and
carriage return are not.
"""

from __future__ import annotations

import re

IMAGE_PLACEHOLDER = "<image>"
CONTROL_TOKEN = re.compile(r"<\|[^\s<>|]{1,80}\|>")
NOT_TEXT = re.compile("[\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def unicode_problem(text: str, what: str) -> tuple[str, str] | None:
    """``(kind, message)`` when ``text`` holds a character that is not Unicode text (a lone surrogate, a control
    character), or None."""
    found = NOT_TEXT.search(text)
    return None if found is None else ("not Unicode text", f"{what} {char_problem(found)}: not Unicode text")


def char_problem(found: re.Match) -> str:
    """``holds a lone surrogate U+D800 at character 8``: what a forbidden character found in a text is."""
    char = found.group()
    kind = "lone surrogate" if "\ud800" <= char <= "\udfff" else "control character"
    return f"holds a {kind} U+{ord(char):04X} at character {found.start()}"


def text_problem(text: str, what: str, placeholder_allowed: bool = False) -> tuple[str, str] | None:
    """``(kind, message)`` saying why ``text`` (described as ``what``) cannot be used as literal text, or
    None. The kind names the reason in a stage's counts of skipped records."""
    problem = unicode_problem(text, what)
    if problem:
        return problem
    found = CONTROL_TOKEN.search(text)
    if found:
        return "control token in text", f"{what} holds {found.group()!r}, a model's control token (text must stay text)"
    if not placeholder_allowed and IMAGE_PLACEHOLDER in text:
        return "image placeholder in text", f"{what} holds the image placeholder {IMAGE_PLACEHOLDER!r} (an image token)"
    return None
