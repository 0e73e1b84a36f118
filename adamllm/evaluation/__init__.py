"""Evaluation: benchmark registry, predictions, metrics and the report (docs/method.md §8)."""
