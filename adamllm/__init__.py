"""AdaMLLM: domain-specific post-training of multimodal LLMs, as a reproducible workflow.

The package holds all logic; Snakemake rules and the ``adamllm`` CLI are thin callers.
"""

__version__ = "0.1.0"
