"""Bad-input handling: one error type that names the file and record, and a skip policy."""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, field


class BadInputError(Exception):
    """Input that cannot be used; the message names the file and, where known, the record."""

    def __init__(self, path, reason: str, record: str | int | None = None):
        self.path = str(path)
        self.reason = reason
        self.record = record
        where = self.path if record is None else f"{self.path}, record {record}"
        super().__init__(f"{where}: {reason}")


def file_error(err: OSError) -> str:
    """One line for a file-system error: the path (both paths of a rename) and what went wrong."""
    where = ", ".join(str(name) for name in (err.filename, err.filename2) if name is not None)
    return f"{where}: {err.strerror or err}" if where else str(err)


def warn(message: str) -> None:
    """One ``adamllm: warning:`` line on standard error: the job's log, and the console too when the log has
    taken standard error over (adamllm.workflow.smk.run_stage)."""
    line = f"adamllm: warning: {message}"
    print(line, file=sys.stderr, flush=True)
    if sys.stderr is not sys.__stderr__ and sys.__stderr__ is not None:
        print(line, file=sys.__stderr__, flush=True)


@dataclass
class RecordPolicy:
    """What to do with a bad record: ``stop`` raises, ``skip`` counts it and goes on."""

    on_bad_record: str = "stop"
    skipped: Counter = field(default_factory=Counter)

    def __post_init__(self):
        if self.on_bad_record not in ("stop", "skip"):
            raise ValueError(f"on_bad_record must be 'stop' or 'skip', not {self.on_bad_record!r}")

    def bad(self, path, reason: str, record: str | int | None = None, kind: str | None = None) -> None:
        """Report a bad record: raise under ``stop``, count it under ``skip``."""
        error = BadInputError(path, reason, record)
        if self.on_bad_record == "stop":
            raise error
        self.skipped[kind or reason] += 1

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())
