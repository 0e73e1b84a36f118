"""Training: synthesizer tuning and the demo checker's warm-up (``tuning``), LLaMA-Factory post-training
(``posttrain``), two-rate optimizers (``optim``), DeepSpeed configs (``deepspeed``), multi-GPU and multi-node
launchers (``launch``), the memory a job will hold (``memory``), where training logs go (``reporting``).

May import: ``adamllm.core``, ``adamllm.models``, ``adamllm.data``, ``adamllm.generation``.
"""
