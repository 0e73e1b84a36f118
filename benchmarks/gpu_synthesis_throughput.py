"""Synthesis throughput: image-caption pairs per second per GPU, with the workflow's own synthesis code.

On a GPU machine, in the vLLM environment (envs/vllm.yaml), after the synthesizer is tuned:

    python benchmarks/gpu_synthesis_throughput.py --model results/synthesizer/checkpoint --pairs 2000

The paper's figure to beat: ~2.2 pairs/s per A100 (100K pairs in 12.5 h). Pairs are the bundled
data_samples captions and images, cycled; engine start-up and a short warm-up are timed apart.
``--backend transformers`` measures the fallback on the same pairs; ``--engine-options`` passes
anything else to the engine (e.g. CPU settings for a smoke run).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from itertools import cycle, islice
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAPER_PAIRS_PER_GPU_S = 100_000 / (12.5 * 3600)  # ≈ 2.2 on one A100


def sample_pairs(count: int) -> list[dict]:
    """``count`` synthesis items cycled from the bundled domain samples, read as the workflow reads pairs."""
    from adamllm.core.errors import RecordPolicy
    from adamllm.data.pairs import load_pairs

    pairs = []
    for domain in ("biomed", "food"):
        folder = ROOT / "data_samples" / domain
        pairs += load_pairs(folder / "image_caption_pairs.json", folder / "images", RecordPolicy())[0]
    return list(islice(cycle(pairs), count))


def accelerator() -> tuple[str, int]:
    import torch

    if torch.cuda.is_available():
        return torch.cuda.get_device_name(0), torch.cuda.device_count()
    return "cpu", 0


def measure(model: str, pairs: int, backend: str, max_new_tokens: int, options: dict, warmup: int = 8) -> dict:
    from adamllm.generation.backends import load_backend
    from adamllm.generation.synthesis import synthesis_request, synthesis_sampling

    started = time.perf_counter()
    engine = load_backend(backend, model, "llava_next_synthesizer", **options)
    ready = time.perf_counter()
    sampling = synthesis_sampling(max_new_tokens)
    requests = [synthesis_request(item, True, engine.image_token) for item in sample_pairs(pairs)]
    engine.generate_tokens(requests[:warmup], sampling)
    begun = time.perf_counter()
    tokens = engine.generate_tokens(requests, sampling)
    seconds = time.perf_counter() - begun
    return {"startup_s": ready - started, "pairs": pairs, "seconds": seconds, "tokens": sum(map(len, tokens))}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="the synthesizer checkpoint (a folder)")
    parser.add_argument("--pairs", type=int, default=2000)
    parser.add_argument("--backend", default="vllm", choices=["vllm", "transformers"])
    parser.add_argument("--max-new-tokens", type=int, default=512)
    parser.add_argument("--tensor-parallel-size", type=int, default=1, help="GPUs per engine (vLLM)")
    parser.add_argument("--dtype", default="bfloat16")
    parser.add_argument("--engine-options", type=json.loads, default={}, help="more engine options, as JSON")
    args = parser.parse_args(argv)
    options = {"dtype": args.dtype, **args.engine_options}
    if args.backend == "vllm":
        options.setdefault("tensor_parallel_size", args.tensor_parallel_size)
    device, visible = accelerator()
    gpus = min(args.tensor_parallel_size, visible) if args.backend == "vllm" else min(1, visible)
    result = measure(args.model, args.pairs, args.backend, args.max_new_tokens, options)
    rate = result["pairs"] / result["seconds"]
    per_gpu = rate / gpus if gpus else None
    print("| device | backend | GPUs | pairs | start-up s | seconds | pairs/s | pairs/s per GPU | tokens/s |"
          " paper pairs/s per A100 |")  # fmt: skip
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(f"| {device} | {args.backend} | {gpus} | {result['pairs']} | {result['startup_s']:.1f} |"
          f" {result['seconds']:.1f} | {rate:.2f} | {'-' if per_gpu is None else f'{per_gpu:.2f}'} |"
          f" {result['tokens'] / result['seconds']:.0f} | {PAPER_PAIRS_PER_GPU_S:.2f} |")  # fmt: skip
    sys.stdout.flush()


if __name__ == "__main__":
    main()
