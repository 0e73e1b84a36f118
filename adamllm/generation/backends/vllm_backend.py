"""Greedy generation with vLLM's offline engine: token prompts plus ``multi_modal_data``, one image each.

Prompts are tokenized here with the model's own tokenizer, exactly as the transformers backend does,
and vLLM expands the image placeholder itself; so both backends see the same token sequence.
"""

from __future__ import annotations

from collections.abc import Sequence

from adamllm.data.images import as_rgb
from adamllm.generation.backends.base import (
    GenerationBackend,
    Request,
    Sampling,
    eos_ids,
    image_processor_kwargs,
    without_end,
)
from adamllm.models.families import get_family


class VLLMBackend(GenerationBackend):
    def __init__(
        self,
        model_path: str,
        family: str,
        dtype: str = "auto",
        max_model_len: int = 4096,
        tensor_parallel_size: int = 1,
        gpu_memory_utilization: float = 0.9,
        enforce_eager: bool = False,
        kv_cache_memory_bytes: int | None = None,
        seed: int = 0,
    ):
        from transformers import AutoProcessor, GenerationConfig
        from vllm import LLM

        self.family = get_family(family)
        options = {"kv_cache_memory_bytes": kv_cache_memory_bytes} if kv_cache_memory_bytes else {}
        if self.family.multimodal:
            options["limit_mm_per_prompt"] = {"image": 1}
            if image_processor_kwargs(self.family):
                options["mm_processor_kwargs"] = image_processor_kwargs(self.family)
        self.llm = LLM(
            model=str(model_path),
            dtype=dtype,
            max_model_len=max_model_len,
            tensor_parallel_size=tensor_parallel_size,
            gpu_memory_utilization=gpu_memory_utilization,
            enforce_eager=enforce_eager,
            seed=seed,
            **options,
        )
        self.tokenizer = self.llm.get_tokenizer()
        self.processor = AutoProcessor.from_pretrained(model_path) if self.family.multimodal else None
        self.image_token = getattr(self.processor, "image_token", None) or self.family.image_token
        self.end_ids = eos_ids(GenerationConfig.from_pretrained(model_path).eos_token_id)

    def generate_tokens(self, requests: Sequence[Request], sampling: Sampling) -> list[list[int]]:
        from vllm import SamplingParams
        from vllm.inputs import TokensPrompt

        stop_ids, texts = self.stop_plan(sampling)
        params = SamplingParams(
            temperature=0.0,
            max_tokens=sampling.max_new_tokens,
            skip_special_tokens=sampling.skip_special_tokens,
            # With explicit stops, only they end a generation (the synthesizer runs past <|eot_id|>).
            ignore_eos=bool(sampling.stop),
            stop_token_ids=stop_ids or None,
            stop=texts or None,
        )
        prompts = []
        for request in requests:
            ids = self.tokenizer(request.prompt, add_special_tokens=sampling.add_special_tokens)["input_ids"]
            prompt = TokensPrompt(prompt_token_ids=ids)
            if request.image is not None:
                prompt["multi_modal_data"] = {"image": as_rgb(request.image)}
            prompts.append(prompt)
        ends = self.ending_ids(sampling)
        outputs = self.llm.generate(prompts, params, use_tqdm=True)
        return [without_end(list(output.outputs[0].token_ids), ends) for output in outputs]
