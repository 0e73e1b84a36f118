"""The shared helpers every phase stands on: errors and the bad-input contract (``errors``), atomic file reading
and writing (``io``), text checks (``text``), the declared schema of every record format and the one reader
(``schemas``), per-stage statistics (``stats``), digests and run manifests (``provenance``), plots (``plots``).

May import: nothing of adamllm but the root package; every other subpackage may import this one.
"""
