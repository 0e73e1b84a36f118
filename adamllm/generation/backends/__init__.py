"""Generation backends: one interface for synthesis, the consistency filter and evaluation."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

from adamllm.generation.backends.base import GenerationBackend, Request, Sampling

BACKENDS = ("transformers", "vllm")
SHARED_OPTIONS = ("dtype", "max_model_len")  # engine options both backends take


@dataclass(frozen=True)
class Engine:
    """What a generating stage runs on: one setting, from the rule's ``engine`` param to the command line."""

    backend: Literal[BACKENDS] = field(
        default="vllm", metadata={"help": "generation backend: vllm, the paper's engine; transformers runs anywhere"}
    )
    options: dict = field(
        default_factory=dict, metadata={"help": "engine options as JSON (max_model_len, vLLM's engine settings)"}
    )
    python: str | None = field(
        default=None, metadata={"help": "the interpreter holding the backend (the stage re-runs itself there)"}
    )

    @classmethod
    def of(cls, value) -> Engine:
        """An engine from itself, a dict of its fields (a rule's param, JSON), or None (the defaults)."""
        return value if isinstance(value, cls) else cls(**(value or {}))

    def here(self) -> dict:
        """This engine's fields for a stage run in ``python`` itself (which must not re-run it again)."""
        return {**asdict(self), "python": None}

    def load(self, model, family: str) -> GenerationBackend:
        return load_backend(self.backend, str(model), family, **self.options)


def resolve_backend(name: str, family: str, options: dict) -> tuple[str, dict]:
    """The backend and options that really run a family: where vLLM cannot run it (the registry's
    ``vllm`` flag), transformers with the options both backends take."""
    from adamllm.models.families import get_family

    spec = get_family(family)  # an unknown family is the caller's error, not the model's
    if name == "vllm" and not spec.vllm:
        return "transformers", {k: v for k, v in options.items() if k in SHARED_OPTIONS}
    return name, dict(options)


def load_backend(name: str, model_path: str, family: str, **options) -> GenerationBackend:
    """Start the backend ``name`` on a model directory or hub id of the given family.

    ``options`` are the backend's own (vLLM engine settings); a family vLLM cannot run falls back to
    transformers, with a notice on stderr.
    """
    import sys

    from adamllm.core.errors import BadInputError

    if (name, options) != (resolved := resolve_backend(name, family, options)):
        print(f"adamllm: vLLM cannot run family {family}; using transformers", file=sys.stderr)
        name, options = resolved
    if name == "transformers":
        from adamllm.generation.backends.transformers_backend import TransformersBackend as backend
    elif name == "vllm":
        from adamllm.generation.backends.vllm_backend import VLLMBackend as backend
    else:
        raise ValueError(f"unknown generation backend {name!r}; known: {', '.join(BACKENDS)}")
    try:
        return backend(model_path, family, **options)
    except (OSError, ValueError) as err:  # no such folder or cached hub model, or unreadable files
        reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise BadInputError(model_path, f"cannot load the {family} model: {reason}") from err


__all__ = ["BACKENDS", "Engine", "GenerationBackend", "Request", "Sampling", "load_backend", "resolve_backend"]
