"""Generation backends: one interface for synthesis, the consistency filter and evaluation."""

from __future__ import annotations

from adamllm.backends.base import GenerationBackend, Request, Sampling

BACKENDS = ("transformers",)


def load_backend(name: str, model_path: str, family: str, **options) -> GenerationBackend:
    """Start the backend ``name`` on a model directory or hub id of the given family."""
    if name == "transformers":
        from adamllm.backends.transformers_backend import TransformersBackend

        return TransformersBackend(model_path, family, **options)
    raise ValueError(f"unknown generation backend {name!r}; known: {', '.join(BACKENDS)}")


__all__ = ["BACKENDS", "GenerationBackend", "Request", "Sampling", "load_backend"]
