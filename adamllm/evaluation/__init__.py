"""Evaluation: one definition per benchmark (``tasks`` and ``definitions/``), fetching rows (``fetch``),
predictions (``predict``), answer normalization and metrics (``normalize``, ``metrics``), scores with bootstrap
intervals (``scoring``, ``uncertainty``), the paper's numbers (``paper``) and the report (``report``).

May import: ``adamllm.core``, ``adamllm.models``, ``adamllm.data``, ``adamllm.generation``, ``adamllm.training``.
"""
