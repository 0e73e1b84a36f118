"""The synthesizer's Llama-3 conversation format, shared by its training set, tuning and synthesis.

One renderer serves training and inference so that the two can never drift apart
(docs/method.md §2 and §4).
"""

from __future__ import annotations

from dataclasses import dataclass

BOS = "<|begin_of_text|>"
EOS = "<|end_of_text|>"
EOT = "<|eot_id|>"
IMAGE_TOKEN = "<|reserved_special_token_4|>"
SYSTEM_MESSAGE = (
    "You are a helpful language and vision assistant. You are able to understand the visual content "
    "that the user provides, and assist the user with a variety of tasks using natural language."
)
CAPTION_INSTRUCTION = "Describe the image."
PRECISE_HINT = "Answer with a precise response."
INFORMATIVE_HINT = "Answer with an informative response."
HINTS = {"precise": PRECISE_HINT, "informative": INFORMATIVE_HINT}
SPECIAL_TOKENS = ("<|start_header_id|>", "<|end_header_id|>", BOS, EOS, EOT, IMAGE_TOKEN)


def header(role: str) -> str:
    """The Llama-3 role header that opens a turn."""
    return f"<|start_header_id|>{role}<|end_header_id|>\n\n"


USER_HEADER = header("user")
ANSWER_SEPARATOR = EOT + header("assistant")


def hinted_question(kind: str, question: str) -> str:
    """A seed question with the hint line that tells the synthesizer which answer style to write."""
    return f"{HINTS[kind]}\n{question}"


@dataclass(frozen=True)
class Segment:
    """A piece of a rendered conversation and the role it plays for the training loss."""

    text: str
    role: str  # "prompt", "caption", "instruction" or "response"


def prompt_prefix(caption: str, double_bos: bool, image_token: str = IMAGE_TOKEN) -> list[Segment]:
    """System turn, the image + caption request, and the caption answer.

    ``image_token``: the model's own (``<|reserved_special_token_4|>`` in the synthesizer's original
    format, ``<image>`` in the Hugging Face LLaVA-NeXT checkpoints).
    """
    bos = BOS * (2 if double_bos else 1)
    return [
        Segment(
            f"{bos}{header('system')}{SYSTEM_MESSAGE}{EOT}{USER_HEADER}{image_token}\n{CAPTION_INSTRUCTION}"
            f"{EOT}{header('assistant')}",
            "prompt",
        ),
        Segment(f"{caption}{EOT}", "caption"),
    ]


def synthesis_prompt(caption: str, double_bos: bool, image_token: str = IMAGE_TOKEN) -> str:
    """The prompt under which the synthesizer writes question/answer turns about a captioned image."""
    return "".join(s.text for s in prompt_prefix(caption, double_bos, image_token)) + USER_HEADER


def training_segments(
    caption: str, turns: list[tuple[str, str]], double_bos: bool, image_token: str = IMAGE_TOKEN
) -> list[Segment]:
    """A full training conversation: the prefix, then each (hinted question, answer) turn; ends in EOS."""
    segments = prompt_prefix(caption, double_bos, image_token)
    for index, (question, answer) in enumerate(turns):
        segments.append(Segment(f"{USER_HEADER}{question}{ANSWER_SEPARATOR}", "instruction"))
        end = EOT + (EOS if index == len(turns) - 1 else "")
        segments.append(Segment(f"{answer}{end}", "response"))
    return segments
