"""Generation backends: one interface for synthesis, the consistency filter and evaluation."""

from __future__ import annotations

from adamllm.backends.base import GenerationBackend, Request, Sampling

BACKENDS = ("transformers", "vllm")


def load_backend(name: str, model_path: str, family: str, **options) -> GenerationBackend:
    """Start the backend ``name`` on a model directory or hub id of the given family.

    ``options`` are the backend's own (vLLM engine settings); a family vLLM cannot run falls back to
    transformers, with a notice on stderr.
    """
    import sys

    from adamllm.families import get_family

    if name == "vllm" and not get_family(family).vllm:
        print(f"adamllm: vLLM cannot run family {family}; using transformers", file=sys.stderr)
        name, options = "transformers", {}
    if name == "transformers":
        from adamllm.backends.transformers_backend import TransformersBackend

        return TransformersBackend(model_path, family, **options)
    if name == "vllm":
        from adamllm.backends.vllm_backend import VLLMBackend

        return VLLMBackend(model_path, family, **options)
    raise ValueError(f"unknown generation backend {name!r}; known: {', '.join(BACKENDS)}")


__all__ = ["BACKENDS", "GenerationBackend", "Request", "Sampling", "load_backend"]
