"""The records the pipeline reads and writes before and between models: seed records joined from VisionFLAN and
ALLaVA (``seed``), images (``images``), the synthesizer's format (``synth_format``) and training set
(``trainset``), domain image-caption pairs and their shards (``pairs``), post-training data recipes
(``posttrain_data``).

May import: ``adamllm.core``, ``adamllm.models``.
"""
