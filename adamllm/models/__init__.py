"""The models the pipeline runs: the one registry of model families with their chat formats and training
readings (``families``), the tiny stand-ins the demo builds (``tiny_models``), the local Hugging Face cache
(``hub``), checkpoint layouts other tools expect (``checkpoints``).

May import: ``adamllm.core``.
"""
