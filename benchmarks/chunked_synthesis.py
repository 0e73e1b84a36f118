"""Synthesis in chunks against synthesis in one shot: peak memory and items per second.

    .venv/bin/python benchmarks/chunked_synthesis.py [--backend transformers|vllm] [--sizes 500 4000]

Each run is a fresh process (`python -m adamllm.workflow.stages synthesize …`) on a shard of N pairs of our sample
images (repeated, each with its own caption) and the tiny synthesizer; peak RSS is that process's own
(`wait4`). Chunked runs use the default chunk size; one-shot runs one chunk of N. Targets: the peak at the
largest size within 1.2× of the smallest, and chunked throughput within 5% of one-shot.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = {"transformers": ROOT / ".venv" / "bin" / "python", "vllm": ROOT / ".venv-vllm" / "bin" / "python"}
CPU_ENGINE = {"dtype": "float32", "enforce_eager": True, "max_model_len": 4096, "kv_cache_memory_bytes": 64 << 20}


def shard(folder: Path, count: int) -> Path:
    images = sorted((ROOT / "data_samples").glob("*/images/*.jpg"))
    path = folder / f"shard-{count}.jsonl"
    with open(path, "w", encoding="utf-8") as handle:
        for index in range(count):
            caption = f"Photograph number {index}: {images[index % len(images)].stem.replace('_', ' ')} on a bench."
            image = str(images[index % len(images)])
            handle.write(json.dumps({"id": index, "image": image, "instruction": "<image>", "caption": caption}) + "\n")
    return path


def run(backend: str, model: Path, items: Path, out: Path, chunk_size: int, max_new_tokens: int) -> dict:
    """One synthesis job in a fresh process: seconds and peak RSS (MiB)."""
    engine = {"backend": backend, "options": CPU_ENGINE if backend == "vllm" else {}}
    kwargs = {"shard": str(items), "model": str(model), "synthesized": str(out), "engine": engine,
              "max_new_tokens": max_new_tokens, "chunk_size": chunk_size}  # fmt: skip
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "VLLM_ENABLE_V1_MULTIPROCESSING": "0"}
    start = time.monotonic()
    child = subprocess.Popen([str(PYTHON[backend]), "-m", "adamllm.workflow.stages", "synthesize", json.dumps(kwargs)],
                             env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    _pid, status, usage = os.wait4(child.pid, 0)
    seconds = time.monotonic() - start
    if status != 0:
        raise SystemExit(f"synthesis of {items} failed (status {status})")
    lines = sum(1 for _ in open(out, encoding="utf-8"))
    return {"seconds": seconds, "peak_mib": usage.ru_maxrss / 1024, "items": lines}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=sorted(PYTHON), default="transformers")
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 4000])
    parser.add_argument("--max-new-tokens", type=int, default=16, help="per item (default: %(default)s)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from adamllm.models.tiny_models import build_tiny_model
    from adamllm.workflow.stages import DEFAULT_CHUNK_SIZE

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        corpus = [ROOT / "data_samples" / "seed" / "ALLaVA-Caption-VFLAN-4V.json"]
        build_tiny_model("llava_next_synthesizer", folder / "model", corpus, vocab_size=800)
        print(f"backend {args.backend}, tiny synthesizer, {args.max_new_tokens} new tokens per item")
        print(f"{'items':>6} {'mode':>9} {'chunk':>6} {'seconds':>8} {'items/s':>8} {'peak RSS MiB':>13}")
        results = {}
        for count in args.sizes:
            items = shard(folder, count)
            for mode, size in (("chunked", DEFAULT_CHUNK_SIZE), ("one-shot", count)):
                result = run(args.backend, folder / "model", items, folder / f"out-{count}-{mode}.jsonl", size,
                             args.max_new_tokens)  # fmt: skip
                results[count, mode] = result
                print(f"{count:>6} {mode:>9} {min(size, count):>6} {result['seconds']:>8.1f} "
                      f"{count / result['seconds']:>8.2f} {result['peak_mib']:>13.0f}", flush=True)  # fmt: skip
        small, large = min(args.sizes), max(args.sizes)
        ratio = results[large, "chunked"]["peak_mib"] / results[small, "chunked"]["peak_mib"]
        speed = results[large, "chunked"]["seconds"] / results[large, "one-shot"]["seconds"]
        print(f"chunked peak RSS at {large} / at {small}: {ratio:.2f}× (target ≤ 1.2×)")
        print(f"chunked / one-shot time at {large}: {speed:.3f} (target ≤ 1.05)")


if __name__ == "__main__":
    main()
