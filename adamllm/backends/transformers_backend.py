"""Greedy generation with Hugging Face transformers, one request at a time (exact, no padding effects)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from tqdm import tqdm

from adamllm.backends.base import GenerationBackend, Request, Sampling, strip_stop
from adamllm.families import get_family
from adamllm.images import load_rgb


class TransformersBackend(GenerationBackend):
    def __init__(self, model_path: str, family: str, dtype: str = "float32", device: str | None = None):
        from transformers import AutoModelForCausalLM, AutoModelForImageTextToText, AutoProcessor, AutoTokenizer

        self.family = get_family(family)
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        torch_dtype = getattr(torch, dtype)
        if self.family.multimodal:
            self.processor = AutoProcessor.from_pretrained(model_path)
            self.tokenizer = self.processor.tokenizer
            model_class = AutoModelForImageTextToText
        else:
            self.processor = None
            self.tokenizer = AutoTokenizer.from_pretrained(model_path)
            model_class = AutoModelForCausalLM
        self.model = model_class.from_pretrained(model_path, dtype=torch_dtype).to(self.device).eval()
        self.image_token = getattr(self.processor, "image_token", None) or self.family.image_token

    def _encode(self, request: Request, sampling: Sampling):
        if request.image is not None:
            if self.processor is None:
                raise ValueError(f"family {self.family.name} is text-only but a request has an image")
            image = load_rgb(request.image) if isinstance(request.image, str) else request.image.convert("RGB")
            return self.processor(
                images=[image],
                text=request.prompt,
                add_special_tokens=sampling.add_special_tokens,
                return_tensors="pt",
            )
        return self.tokenizer(request.prompt, add_special_tokens=sampling.add_special_tokens, return_tensors="pt")

    def _stop_ids(self, stop: Sequence[str]) -> list[int]:
        """Token ids of stop strings that are single tokens (ended on by id, like vLLM's stop tokens)."""
        vocab = self.tokenizer.get_vocab()
        return [vocab[s] for s in stop if s in vocab]

    @torch.inference_mode()
    def generate(self, requests: Sequence[Request], sampling: Sampling) -> list[str]:
        stop_ids = self._stop_ids(sampling.stop)
        text_stops = [s for s in sampling.stop if s not in self.tokenizer.get_vocab()]
        options = {"max_new_tokens": sampling.max_new_tokens, "do_sample": False}
        if sampling.stop:
            options["eos_token_id"] = stop_ids or None
            if text_stops:
                options.update(stop_strings=text_stops, tokenizer=self.tokenizer)
        if self.tokenizer.pad_token_id is not None:
            options["pad_token_id"] = self.tokenizer.pad_token_id
        outputs = []
        for request in tqdm(requests, desc="generate", unit="item", leave=False):
            inputs = self._encode(request, sampling).to(self.device)
            generated = self.model.generate(**inputs, **options)[0, inputs["input_ids"].shape[1] :].tolist()
            ends = set(stop_ids) if sampling.stop else set(self._default_eos())
            if generated and generated[-1] in ends:
                generated.pop()
            text = self.tokenizer.decode(generated, skip_special_tokens=sampling.skip_special_tokens)
            outputs.append(strip_stop(text, text_stops))
        return outputs

    def _default_eos(self) -> list[int]:
        eos = self.model.generation_config.eos_token_id
        return [eos] if isinstance(eos, int) else list(eos or [])
