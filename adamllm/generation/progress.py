"""Long jobs in chunks: finished chunks kept in a progress store beside the job's output, so that a job
killed at 95% (wall time, preemption, a lost node, out of memory) resumes where it stopped.

The store is a folder ``.<output name>.progress`` next to the output, never inside it: Snakemake deletes
the incomplete outputs of a killed job (and ``--rerun-incomplete`` reruns it), but not this folder. It
holds ``key.json`` — a digest of everything the results depend on (the input files' contents, the
stage's settings, the model) plus the item count — and one ``chunk-NNNNNN.jsonl`` per finished chunk,
each written atomically. A rerun with the same key skips every finished chunk; a different key means the
progress is stale and it is discarded, never reused. When the job succeeds the store is removed.

Chunks are cut at fixed item positions (``chunk_size``), so a resumed job computes exactly the chunks an
uninterrupted one would, and writes the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from adamllm.core.io import iter_jsonl, write_json, write_jsonl

KEY_FILE = "key.json"


def store_path(output) -> Path:
    """Where the progress of the job writing ``output`` (a file or a folder) is kept."""
    output = Path(output)
    return output.with_name(f".{output.name}.progress")


def fingerprint(path) -> str:
    """What a result depends on in ``path``: a file's content digest; for a folder (a model), its files'
    relative paths, sizes and modification times (hashing a model's weights at every job start would
    cost minutes; a retrained or replaced model has new files)."""
    from adamllm.core.provenance import file_digest

    path = Path(path)
    if path.is_file():
        return file_digest(path)
    if path.is_dir():
        listing = sorted(
            f"{p.relative_to(path).as_posix()}\0{p.stat().st_size}\0{p.stat().st_mtime_ns}"
            for p in path.rglob("*")
            if p.is_file()
        )
        return hashlib.sha256("\n".join(listing).encode()).hexdigest()
    return f"not a local path: {path}"  # a hub id: the id itself is what the result depends on


def progress_key(inputs: Sequence, settings: dict) -> str:
    """The digest progress is keyed by: the inputs' fingerprints and the stage's settings (JSON)."""
    record = {"inputs": {str(p): fingerprint(p) for p in inputs}, "settings": settings}
    return hashlib.sha256(json.dumps(record, sort_keys=True, default=str).encode()).hexdigest()


class ProgressStore:
    """The finished chunks of one job (see the module's description)."""

    def __init__(self, output, key: str, total: int, chunk_size: int, log=None):
        self.folder = store_path(output)
        log = log or sys.stderr
        self.meta = {"key": key, "total": total, "chunk_size": chunk_size}
        stored = self.folder / KEY_FILE
        if self.folder.exists() and (not stored.exists() or json.loads(stored.read_text()) != self.meta):
            print(f"progress: discarding stale progress in {self.folder} (inputs or settings changed)", file=log)
            shutil.rmtree(self.folder)
        if not self.folder.exists():
            write_json(self.folder / KEY_FILE, self.meta)

    def chunk_file(self, index: int) -> Path:
        return self.folder / f"chunk-{index:06d}.jsonl"

    def done(self) -> list[int]:
        return sorted(int(p.stem.split("-")[1]) for p in self.folder.glob("chunk-*.jsonl"))

    def save(self, index: int, rows: list[dict]) -> None:
        write_jsonl(self.chunk_file(index), rows)

    def rows(self, count: int) -> Iterator[dict]:
        """Every row of chunks 0 … count-1, in order."""
        for index in range(count):
            yield from iter_jsonl(self.chunk_file(index))

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


class Meter:
    """Items done of a total, items per second and the time left, printed after each chunk."""

    def __init__(self, name: str, total: int, log=None):
        self.name, self.total, self.log = name, total, log or sys.stderr
        self.start, self.computed, self.done = time.monotonic(), 0, 0

    def restored(self, count: int) -> None:
        self.done += count

    def advance(self, count: int) -> None:
        self.done += count
        self.computed += count
        elapsed = time.monotonic() - self.start
        rate = self.computed / elapsed if elapsed > 0 else float("inf")
        left = (self.total - self.done) / rate if rate > 0 else float("inf")
        share = 100 * self.done / self.total if self.total else 100.0
        print(f"progress: {self.name}: {self.done}/{self.total} items ({share:.1f}%), {rate:.2f} items/s, "
              f"about {_duration(left)} left", file=self.log, flush=True)  # fmt: skip


def _duration(seconds: float) -> str:
    if seconds == float("inf"):
        return "?"
    minutes, secs = divmod(int(seconds + 0.5), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s"


def run_chunked(items: Sequence, work: Callable[[Sequence], list[dict]], output, key: str, chunk_size: int,
                name: str, write: Callable[[Iterator[dict]], object], log=None) -> None:  # fmt: skip
    """Apply ``work`` to ``items`` chunk by chunk (``chunk_size`` items, fixed positions), keeping finished
    chunks in the progress store of ``output``; then ``write`` every row, in order, and remove the store.
    Progress goes to ``log`` (default: this moment's stderr, the job's log under Snakemake)."""
    log = log or sys.stderr
    chunk_size = max(1, int(chunk_size))
    starts = list(range(0, len(items), chunk_size))
    store = ProgressStore(output, key, len(items), chunk_size, log)
    finished = set(store.done())
    meter = Meter(name, len(items), log)
    for index, start in enumerate(starts):
        chunk = items[start : start + chunk_size]
        if index in finished:
            print(f"progress: {name}: chunk {index} restored ({len(chunk)} items)", file=log)
            meter.restored(len(chunk))
            continue
        store.save(index, work(chunk))
        print(f"progress: {name}: chunk {index} computed ({len(chunk)} items)", file=log)
        meter.advance(len(chunk))
    write(store.rows(len(starts)))
    store.remove()


def status(output) -> dict | None:
    """A job's progress from its store: total items, items in finished chunks, last update (None if no
    store)."""
    folder = store_path(output)
    if not (folder / KEY_FILE).exists():
        return None
    meta = json.loads((folder / KEY_FILE).read_text())
    chunks = sorted(folder.glob("chunk-*.jsonl"))
    done = sum(min(meta["chunk_size"], meta["total"] - int(p.stem.split("-")[1]) * meta["chunk_size"]) for p in chunks)
    updated = max((p.stat().st_mtime for p in [folder / KEY_FILE, *chunks]), default=None)
    return {"total": meta["total"], "done": done, "chunks": len(chunks), "updated": updated}
