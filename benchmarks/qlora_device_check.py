"""QLoRA on a CUDA GPU, end to end on a tiny stand-in: the device check of README.md, "Newer families".

    .venv/bin/python benchmarks/qlora_device_check.py [--family qwen2_vl]

Builds the tiny model of a family, post-trains it with QLoRA (LoRA over 4-bit bitsandbytes base weights,
LLaMA-Factory) on a few records for a few steps, merges the adapter into a full checkpoint, and generates
from it with transformers; prints one line with the seconds each step took. It needs a CUDA GPU and the
bitsandbytes package (neither is on the CPU machines the tests run on) and runs in well under 8 minutes.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--family", default="qwen2_vl", help="a post-training target family (default: %(default)s)")
    args = parser.parse_args()
    import torch

    if not torch.cuda.is_available() or importlib.util.find_spec("bitsandbytes") is None:
        sys.exit("qlora device check: needs a CUDA GPU and the bitsandbytes package")
    from PIL import Image

    from adamllm.core.io import write_json
    from adamllm.data.posttrain_data import RECIPES, dataset_info, format_record
    from adamllm.generation.backends import Request, Sampling, load_backend
    from adamllm.models.tiny_models import build_tiny_model
    from adamllm.training.posttrain import post_train

    seconds = {}
    with tempfile.TemporaryDirectory(prefix="qlora-") as tmp:
        tmp = Path(tmp)
        start = time.monotonic()
        build_tiny_model(args.family, tmp / "base", [ROOT / "data_samples/seed/ALLaVA-Caption-VFLAN-4V.json"])
        seconds["build"] = time.monotonic() - start
        image = tmp / "cell.jpg"
        Image.new("RGB", (64, 64), (200, 30, 30)).save(image)
        triplet = {"Q": "How many nuclei?", "precise_A": "2", "informative_A": "Two dark nuclei are visible"}
        item = {"id": 0, "image": str(image), "instruction": "<image>Describe the image.", "caption": "A cell.",
                "triplet": triplet, "consistent": True}  # fmt: skip
        write_json(tmp / "data/data.json", [format_record(item, RECIPES["single_stage"], 42, True)] * 4)
        write_json(tmp / "data/dataset_info.json", dataset_info("demo", "data.json"))
        settings = {"cutoff_len": 512, "bf16": True, "deepspeed": False, "max_steps": 4, "per_device_batch_size": 1,
                    "gradient_accumulation_steps": 1, "image_max_pixels": 12544, "image_min_pixels": 3136,
                    "finetuning_type": "qlora"}  # fmt: skip
        start = time.monotonic()
        post_train(args.family, tmp / "base", tmp / "data/data.json", tmp / "data/dataset_info.json", tmp / "out",
                   tmp / "loss.json", tmp / "loss.png", settings)  # fmt: skip
        seconds["qlora"] = time.monotonic() - start
        start = time.monotonic()
        backend = load_backend("transformers", str(tmp / "out"), args.family)
        prompt = backend.processor.apply_chat_template(
            [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "What is it?"}]}],
            add_generation_prompt=True,
        )
        (text,) = backend.generate([Request(prompt, str(image))], Sampling(max_new_tokens=8))
        seconds["generate"] = time.monotonic() - start
        adapter = (tmp / "out/adapter/adapter_model.safetensors").is_file()
    timings = ", ".join(f"{step} {value:.1f} s" for step, value in seconds.items())
    print(f"qlora device check: {args.family} on {torch.cuda.get_device_name()}: {timings}; adapter kept: {adapter}; "
          f"generated {text!r}")  # fmt: skip


if __name__ == "__main__":
    main()
