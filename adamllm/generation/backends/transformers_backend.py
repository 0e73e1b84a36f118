"""Greedy generation with Hugging Face transformers, one request at a time (exact, no padding effects)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from tqdm import tqdm

from adamllm.data.images import as_rgb
from adamllm.generation.backends.base import (
    GenerationBackend,
    PromptTooLong,
    Request,
    Sampling,
    eos_ids,
    image_processor_kwargs,
    without_end,
)
from adamllm.models.families import get_family


class TransformersBackend(GenerationBackend):
    """``max_model_len`` bounds prompt + answer as vLLM's engine does: a longer prompt is an error, and
    an answer stops where the total reaches it."""

    def __init__(
        self,
        model_path: str,
        family: str,
        dtype: str = "float32",
        device: str | None = None,
        max_model_len: int | None = None,
    ):
        from transformers import AutoModelForCausalLM, AutoModelForImageTextToText, AutoProcessor, AutoTokenizer

        self.family = get_family(family)
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        if self.family.multimodal:
            self.processor = AutoProcessor.from_pretrained(model_path)
            self.tokenizer = self.processor.tokenizer
            model_class = AutoModelForImageTextToText
        else:
            self.processor = None
            self.tokenizer = AutoTokenizer.from_pretrained(model_path)
            model_class = AutoModelForCausalLM
        self.max_model_len = max_model_len
        torch_dtype = dtype if dtype == "auto" else getattr(torch, dtype)
        self.model = model_class.from_pretrained(model_path, dtype=torch_dtype).to(self.device).eval()
        self.image_token = getattr(self.processor, "image_token", None) or self.family.image_token
        self.end_ids = eos_ids(self.model.generation_config.eos_token_id)

    def _encode(self, request: Request, sampling: Sampling):
        if request.image is not None:
            if self.processor is None:
                raise ValueError(f"family {self.family.name} is text-only but a request has an image")
            return self.processor(
                images=[as_rgb(request.image)],
                text=request.prompt,
                add_special_tokens=sampling.add_special_tokens,
                return_tensors="pt",
                **image_processor_kwargs(self.family),
            )
        return self.tokenizer(request.prompt, add_special_tokens=sampling.add_special_tokens, return_tensors="pt")

    @torch.inference_mode()
    def generate_tokens(self, requests: Sequence[Request], sampling: Sampling) -> list[list[int]]:
        stop_ids, texts = self.stop_plan(sampling)
        options = {"max_new_tokens": sampling.max_new_tokens, "do_sample": False}
        if sampling.stop:
            options["eos_token_id"] = stop_ids or None
            if texts:
                options.update(stop_strings=texts, tokenizer=self.tokenizer)
        if self.tokenizer.pad_token_id is not None:
            options["pad_token_id"] = self.tokenizer.pad_token_id
        ends, outputs = self.ending_ids(sampling), []
        for index, request in enumerate(tqdm(requests, desc="generate", unit="item", leave=False)):
            inputs = self._encode(request, sampling).to(self.device)
            length = inputs["input_ids"].shape[1]
            if self.max_model_len and length >= self.max_model_len:
                raise PromptTooLong(index, length, self.max_model_len)
            if self.max_model_len:
                options["max_new_tokens"] = min(sampling.max_new_tokens, self.max_model_len - length)
            generated = self.model.generate(**inputs, **options)[0, length:].tolist()
            outputs.append(without_end(generated, ends))
        return outputs
