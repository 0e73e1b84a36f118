"""Evaluation: benchmark registry, predictions, metrics and the report (SPEC §8, "Metrics, exactly")."""
