"""AdaMLLM: domain-specific post-training of multimodal LLMs, as a reproducible workflow.

The package holds all logic; Snakemake rules and the ``adamllm`` CLI are thin callers. Its subpackages follow
the pipeline, and imports point one way, down this list (tests/test_layout.py):

- ``workflow``: the stages the rules run, and the tooling around the DAG (plan, estimates, status, audit, config checks)
- ``evaluation``: benchmark definitions, prediction, metrics, scores, the report
- ``training``: synthesizer tuning, post-training, their launchers and optimizers
- ``generation``: the backends that write text, the synthesizer's and the checker's requests and parsing
- ``data``: seed records, image-caption pairs, the synthesizer's training set and format, post-training recipes
- ``models``: the registry of model families, tiny models, the local hub cache, checkpoint layouts
- ``core``: errors, reading and writing files, record schemas, stage statistics, provenance, plots

``cli`` sits above them all; this module holds only what every layer may need.
"""

from pathlib import Path

__version__ = "0.1.0"
TEMPLATES = Path(__file__).parent / "templates"  # prompt, DeepSpeed and cost-rate files bundled with the package
