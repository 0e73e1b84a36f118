"""Models writing text: the backends (``backends``: transformers and vLLM behind one engine), the synthesizer's
requests and the parsing of what it writes (``synthesis``), the consistency checker's prompts and verdicts
(``consistency``), resumable chunked runs of either (``progress``).

May import: ``adamllm.core``, ``adamllm.models``, ``adamllm.data``.
"""
