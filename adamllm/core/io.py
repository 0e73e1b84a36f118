"""Crash-safe file I/O: atomic writes, and JSON/JSONL readers whose errors name file and line."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any

from adamllm.core.errors import BadInputError


def current_umask() -> int:
    """The process's umask (read by setting it and putting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_write(path, mode: str = "w", encoding: str | None = "utf-8"):
    """Open a temporary file beside ``path``; rename it over ``path`` only if the block succeeds. The file
    gets the permissions the umask gives a new file, as an ordinary ``open`` would."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~current_umask())  # mkstemp's 0600 would hide results from the user's group
        with os.fdopen(fd, mode, encoding=None if "b" in mode else encoding) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


_COMPACT = json.JSONEncoder(ensure_ascii=False)  # a C encoder: json's own text for a scalar


def _key(key) -> str:
    """A dict key as json writes it: a string, or a number, bool or null in quotes."""
    if isinstance(key, str):
        return encode_basestring(key)
    if isinstance(key, int | float) or key is None:
        return f'"{_COMPACT.encode(key)}"'
    raise TypeError(f"keys must be str, int, float, bool or None, not {key.__class__.__name__}")


def _indented(value, newline: str) -> str:
    """``value`` as ``json.dumps(value, ensure_ascii=False, indent=1)`` writes it, nested at the level whose
    line break and indent is ``newline``, in the same bytes, but without json's pure-Python encoder (the
    one it uses whenever ``indent`` is given). Strings, the common case, are encoded in place."""
    if isinstance(value, str):
        return encode_basestring(value)
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = newline + " "
        members = [
            f"{encode_basestring(key) if type(key) is str else _key(key)}: "
            f"{encode_basestring(member) if type(member) is str else _indented(member, inner)}"
            for key, member in value.items()
        ]
        return "{" + inner + ("," + inner).join(members) + newline + "}"
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        inner = newline + " "
        items = [encode_basestring(item) if type(item) is str else _indented(item, inner) for item in value]
        return "[" + inner + ("," + inner).join(items) + newline + "]"
    return _COMPACT.encode(value)


def indented_json(value) -> str:
    """``value`` as ``json.dumps(value, ensure_ascii=False, indent=1)`` writes it (the same bytes, faster)."""
    return _indented(value, "\n")


def write_json(path, data: Any) -> None:
    """Write ``data`` as indented JSON, atomically (a list item by item, never whole in memory as text)."""
    if isinstance(data, list | tuple):
        write_json_list(path, data)
        return
    with atomic_write(path) as handle:
        handle.write(indented_json(data))
        handle.write("\n")


def write_json_list(path, items: Iterable[Any]) -> int:
    """Stream a list to ``path`` in exactly the bytes :func:`write_json` would write for it, atomically,
    without holding it in memory; return the number of items."""
    count = 0
    with atomic_write(path) as handle:
        for item in items:
            handle.write(("[\n " if count == 0 else ",\n ") + _indented(item, "\n "))
            count += 1
        handle.write("\n]\n" if count else "[]\n")
    return count


def write_jsonl(path, rows: Iterable[dict]) -> int:
    """Write one JSON object per line, atomically; return the number of rows."""
    count = 0
    with atomic_write(path) as handle:
        for row in rows:
            handle.write(_COMPACT.encode(row))  # json.dumps(row, ensure_ascii=False), without a new encoder each row
            handle.write("\n")
            count += 1
    return count


def read_json(path) -> Any:
    """Read a JSON file; a missing or malformed file raises BadInputError with line and column."""
    path = Path(path)
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError:
        raise BadInputError(path, "file not found") from None
    except json.JSONDecodeError as err:
        raise BadInputError(path, f"malformed JSON at line {err.lineno}, column {err.colno}: {err.msg}") from None
    except UnicodeDecodeError as err:
        raise BadInputError(path, f"not UTF-8 text ({err.reason} at byte {err.start})") from None


def read_json_list(path) -> list:
    """Read a JSON file whose top level must be a list."""
    data = read_json(path)
    if not isinstance(data, list):
        raise BadInputError(path, f"expected a JSON list at top level, found {type(data).__name__}")
    return data


def jsonl_entries(path) -> Iterator[tuple[int, str, Any]]:
    """Yield ``(line number, line as read, value)`` for each non-blank line of a JSONL file, whatever JSON value
    it holds (a schema judges it: adamllm.core.schemas); a line that is not JSON or not UTF-8 raises BadInputError
    naming it. Lines are decoded one by one, so that a bad byte is named by its own line."""
    path = Path(path)
    try:
        handle = open(path, "rb")
    except FileNotFoundError:
        raise BadInputError(path, "file not found") from None
    except IsADirectoryError:
        raise BadInputError(path, "is a folder, not a file") from None
    with handle:
        for lineno, raw in enumerate(handle, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as err:
                raise BadInputError(path, f"not UTF-8 text ({err.reason})", record=f"at line {lineno}") from None
            if line.isspace():
                continue
            if line.endswith("\r\n"):
                line = line[:-2] + "\n"
            try:
                yield lineno, line, json.loads(line)
            except json.JSONDecodeError as err:
                raise BadInputError(path, f"malformed JSON: {err.msg}", record=f"at line {lineno}") from None


def jsonl_values(path) -> Iterator[tuple[int, Any]]:
    """Yield ``(line number, value)`` for each non-blank line of a JSONL file (see :func:`jsonl_entries`)."""
    for lineno, _line, value in jsonl_entries(path):
        yield lineno, value


def iter_jsonl(path) -> Iterator[dict]:
    """Yield the objects of a JSONL file; a malformed line, or one that is no object, raises BadInputError
    naming it."""
    for lineno, _line, row in jsonl_entries(path):
        if not isinstance(row, dict):
            raise BadInputError(path, "expected a JSON object", record=f"at line {lineno}")
        yield row


def concat_jsonl(path, sources: Iterable, check=None) -> int:
    """Write the rows of JSONL files one after another, atomically, each line checked but copied as it is
    (not encoded again: files this package wrote come out in the bytes :func:`write_jsonl` would write);
    ``check(source, "at line N", row)`` may judge each row (False leaves it out). Return the number of rows."""
    count = 0
    with atomic_write(path) as handle:
        for source in sources:
            for lineno, line, row in jsonl_entries(source):
                if check is None or check(source, f"at line {lineno}", row):
                    handle.write(line if line.endswith("\n") else line + "\n")
                    count += 1
    return count


def read_jsonl(path) -> list[dict]:
    """Read a whole JSONL file."""
    return list(iter_jsonl(path))
