"""Engine start-up and per-item generation time of each backend on the demo's models.

    .venv/bin/python benchmarks/backend_timings.py        (needs `make demo` and `make vllm-env` first)

Prints one table: per backend and stage, start-up seconds and seconds per item (demo prompts, CPU).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHONS = {"transformers": ROOT / ".venv" / "bin" / "python", "vllm": ROOT / ".venv-vllm" / "bin" / "python"}
CPU_ENGINE = {"dtype": "float32", "enforce_eager": True, "max_model_len": 4096, "kv_cache_memory_bytes": 64 << 20}


def measure(backend: str, stage: str) -> dict:
    """Run in the backend's own interpreter: start the engine on one stage's model, generate its items."""
    from adamllm.core.io import read_jsonl
    from adamllm.generation.backends import Request, Sampling, load_backend
    from adamllm.generation.consistency import load_template, render_prompt
    from adamllm.generation.synthesis import synthesis_request, synthesis_sampling

    options = CPU_ENGINE if backend == "vllm" else {}
    items = [
        row for shard in ("1-of-2", "2-of-2") for row in read_jsonl(ROOT / f"results/biomed/synthesized/{shard}.jsonl")
    ]
    started = time.perf_counter()
    if stage == "synthesis":
        engine = load_backend(
            backend, str(ROOT / "results/synthesizer/checkpoint"), "llava_next_synthesizer", **options
        )
        requests = [synthesis_request(item, True, engine.image_token) for item in items]
        sampling = synthesis_sampling(512)
    else:
        engine = load_backend(backend, str(ROOT / "resources/models/tiny-checker"), "llama", **options)
        triplet = {"Q": "How many?", "precise_A": "3", "informative_A": "Three cells are seen"}
        requests = [Request(render_prompt(load_template(), triplet))] * len(items)
        sampling = Sampling(max_new_tokens=2, add_special_tokens=True)
    ready = time.perf_counter()
    tokens = engine.generate_tokens(requests, sampling)
    done = time.perf_counter()
    return {
        "backend": backend,
        "stage": stage,
        "items": len(requests),
        "startup_s": ready - started,
        "per_item_s": (done - ready) / len(requests),
        "tokens": sum(map(len, tokens)),
    }


def main() -> None:
    env = {
        **os.environ,
        "VLLM_ENABLE_V1_MULTIPROCESSING": "0",
        "HF_HUB_OFFLINE": "1",
        "VLLM_CACHE_ROOT": str(ROOT / ".cache/vllm"),
        "TORCHINDUCTOR_CACHE_DIR": str(ROOT / ".cache/inductor"),
    }
    rows = []
    for backend, python in PYTHONS.items():
        for stage in ("synthesis", "filter"):
            code = (
                f"import json, sys; sys.path.insert(0, {str(ROOT)!r}); from benchmarks.backend_timings import measure; "
            )
            code += f"print('RESULT' + json.dumps(measure({backend!r}, {stage!r})))"
            out = subprocess.run([str(python), "-c", code], capture_output=True, text=True, env=env, cwd=ROOT)
            line = next((x for x in out.stdout.splitlines() if x.startswith("RESULT")), None)
            if line is None:
                sys.exit(f"{backend}/{stage} failed:\n{out.stderr[-3000:]}")
            rows.append(json.loads(line[len("RESULT") :]))
    print(f"{'backend':<13}{'stage':<11}{'items':>6}{'start-up s':>12}{'s/item':>9}{'tokens':>8}")
    for r in rows:
        print(
            f"{r['backend']:<13}{r['stage']:<11}{r['items']:>6}{r['startup_s']:>12.2f}{r['per_item_s']:>9.3f}{r['tokens']:>8}"
        )


if __name__ == "__main__":
    main()
