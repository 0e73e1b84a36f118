"""One declared schema per record format the workflow reads, and one reader that reads records through them.

A schema names each field and what it holds: ``TEXT`` is Unicode text (adamllm.core.text: no lone surrogate, no
control character), ``STRING`` any string a UTF-8 file can hold (what a model wrote), ``ID`` an integer or a
string, and so on; a field may be optional or nullable, a field's values may have to be unique in a file. A
record that does not fit is a bad record: under ``on_bad_record: stop`` one line naming the file and the record
(``record 3`` in a JSON list, ``at line 4`` in a JSONL file); under ``skip`` counted by its reason.

Plain declarations rather than JSON Schema or pydantic: one check per field, fast enough for the paper's 500K
records a stage, and messages that say what the field must hold. The semantic rules a stage adds (an image that
opens, a caption the synthesizer's context can hold, the image placeholder where the format puts it) run on
records the schema has passed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property

from adamllm.core.errors import RecordPolicy
from adamllm.core.io import jsonl_values, read_json_list
from adamllm.core.text import NOT_TEXT, char_problem

LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class Kind:
    """What a field holds: ``fits(value)`` says whether a value fits (the fast path, a closure built once:
    :meth:`compile`), ``problem(value)`` why it does not, or None."""

    expected = "a value"

    def problem(self, value) -> str | None:
        return None if self.fits(value) else f"must be {self.expected}, found {_json_type(value)}"

    def fits(self, value) -> bool:
        raise NotImplementedError

    def compile(self):
        """A function ``value → bool`` equal to :meth:`fits`, with no per-call dispatch."""
        return self.fits


def _json_type(value) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "a list",
             dict: "an object", type(None): "null"}  # fmt: skip
    return names.get(type(value), type(value).__name__)


@dataclass(frozen=True)
class Plain(Kind):
    types: tuple[type, ...]
    expected: str

    def fits(self, value) -> bool:
        return isinstance(value, self.types) and not (isinstance(value, bool) and bool not in self.types)

    def compile(self):
        classes = frozenset(self.types)  # JSON values are of these exact classes (a boolean is no integer)
        return lambda value: value.__class__ in classes


@dataclass(frozen=True)
class Chars(Kind):
    """A string none of whose characters match ``forbidden`` (and, with ``nonempty``, not empty)."""

    forbidden: re.Pattern
    expected: str
    nonempty: bool = False

    def compile(self):
        search, least = self.forbidden.search, int(self.nonempty)
        return lambda value: value.__class__ is str and len(value) >= least and search(value) is None

    def fits(self, value) -> bool:
        return self.compile()(value)

    def problem(self, value) -> str | None:
        if not isinstance(value, str):
            return f"must be {self.expected}, found {_json_type(value)}"
        if self.nonempty and not value:
            return f"must be {self.expected}, found an empty string"
        found = self.forbidden.search(value)
        return char_problem(found) if found else None


@dataclass(frozen=True)
class OneOf(Kind):
    values: tuple

    @property
    def expected(self) -> str:
        return "one of " + ", ".join(repr(v) for v in self.values)

    def fits(self, value) -> bool:
        return isinstance(value, str) and value in self.values


@dataclass(frozen=True)
class Nullable(Kind):
    kind: Kind

    def problem(self, value) -> str | None:
        return None if value is None else self.kind.problem(value)

    def compile(self):
        inner = self.kind.compile()
        return lambda value: value is None or inner(value)


@dataclass(frozen=True)
class ListOf(Kind):
    item: Kind
    length: int | None = None  # exactly this many items
    min_length: int = 0

    def compile(self):
        inner, length, least = self.item.compile(), self.length, self.min_length
        return lambda value: (
            value.__class__ is list
            and (length is None or len(value) == length)
            and len(value) >= least
            and all(map(inner, value))
        )

    def problem(self, value) -> str | None:
        if not isinstance(value, list):
            return f"must be a list, found {_json_type(value)}"
        if self.length is not None and len(value) != self.length:
            return f"must hold exactly {self.length} item(s), found {len(value)}"
        if len(value) < self.min_length:
            return f"must hold at least {self.min_length} item(s), found {len(value)}"
        for index, item in enumerate(value):
            problem = self.item.problem(item)
            if problem:
                return f"item {index} {problem}"
        return None


@dataclass(frozen=True)
class Schema(Kind):
    """A record format: required fields, optional fields, fields whose values are unique in a file."""

    name: str
    fields: dict[str, Kind]
    optional: dict[str, Kind] = field(default_factory=dict)
    unique: tuple[str, ...] = ()

    def compile(self):
        required = tuple((name, kind.compile()) for name, kind in self.fields.items())
        optional = tuple((name, kind.compile()) for name, kind in self.optional.items())

        def fits(value) -> bool:
            if value.__class__ is not dict:
                return False
            try:
                for name, check in required:
                    if not check(value[name]):
                        return False
            except KeyError:
                return False
            return all(check(value[name]) for name, check in optional if name in value)

        return fits

    @cached_property
    def _fits(self):
        return self.compile()

    def problem(self, value) -> str | None:
        if self._fits(value):  # the fast path: most records fit
            return None
        if not isinstance(value, dict):
            return f"must be an object, found {_json_type(value)}"
        missing = [name for name in self.fields if name not in value]
        if missing:
            return f"field(s) missing: {', '.join(repr(name) for name in missing)}"
        for name, kind in (*self.fields.items(), *self.optional.items()):
            if name in value:
                problem = kind.problem(value[name])
                if problem:
                    return f"field {name!r} {problem}"
        return None

    def extended(self, name: str, fields: dict | None = None, optional: dict | None = None) -> Schema:
        """This schema with more fields: a later stage's format that adds to an earlier one's."""
        return Schema(name, {**self.fields, **(fields or {})}, {**self.optional, **(optional or {})}, self.unique)


class Anything(Kind):
    """Any JSON value (a field whose type a later check judges: a benchmark's label, by its metric)."""

    def fits(self, value) -> bool:
        return True


ANY = Anything()
STRING = Chars(LONE_SURROGATE, "a string")  # what a model wrote: anything a UTF-8 file can hold
TEXT = Chars(NOT_TEXT, "text")  # Unicode text (adamllm.core.text)
PATH = Chars(NOT_TEXT, "a path (text)", nonempty=True)  # an image path
INTEGER = Plain((int,), "an integer")
BOOLEAN = Plain((bool,), "a boolean")
ID = Plain((int, str), "an integer or a string")

# --- the formats -------------------------------------------------------------------------------------------

# Image-caption pairs (docs/method.md §4): LLaMA-Factory's sharegpt records of one image and one caption turn.
PAIR = Schema(
    "image-caption pair",
    {
        "images": ListOf(PATH, length=1),
        "messages": ListOf(Schema("turn", {"role": OneOf(("user", "assistant")), "content": TEXT}), length=2),
    },
)
# The seed files (docs/method.md §1): VisionFLAN metadata, ALLaVA captions, ALLaVA informative answers.
SEED_TURN = Schema("conversation turn", {"from": OneOf(("human", "gpt")), "value": TEXT})
VISIONFLAN = Schema(
    "VisionFLAN record", {"image": PATH, "task_name": TEXT, "conversations": ListOf(SEED_TURN, length=2)},
    optional={"id": ID},
)  # fmt: skip
ALLAVA = Schema("ALLaVA record", {"image": PATH, "conversations": ListOf(SEED_TURN, length=2)}, optional={"id": ID})
# What the workflow's own stages hand on.
QA = ListOf(TEXT, length=2)
SEED = Schema("joined seed record", {"image": PATH, "task_name": TEXT, "caption": TEXT, "precise": ListOf(QA),
                                     "informative": ListOf(QA)})  # fmt: skip
TURN = Schema("synthesizer turn", {"kind": OneOf(("precise", "informative")), "question": TEXT, "answer": TEXT})
SYNTHESIZER_SAMPLE = Schema(
    "synthesizer sample",
    {"image": PATH, "task_name": TEXT, "blank": BOOLEAN, "caption": TEXT, "turns": ListOf(TURN, min_length=1)},
)
SHARD = Schema("shard item", {"id": INTEGER, "image": PATH, "instruction": TEXT, "caption": TEXT}, unique=("id",))
SYNTHESIZED = SHARD.extended("synthesized item", {"pred": Nullable(STRING)}, {"skipped": STRING})
TRIPLET = Schema("triplet", {"Q": STRING, "precise_A": STRING, "informative_A": STRING})
TRIPLETS = SHARD.extended("triplet item", {"pred": STRING, "triplet": Nullable(TRIPLET)})
JUDGED = TRIPLETS.extended("judged item", {"judgement": Nullable(STRING), "consistent": BOOLEAN},
                           {"rejected": BOOLEAN})  # fmt: skip
POSTTRAIN_RECORD = Schema(
    "post-training record",
    {
        "messages": ListOf(Schema("message", {"role": OneOf(("user", "assistant")), "content": TEXT}), min_length=2),
        "images": ListOf(PATH, length=1),
    },
)

# Every format a stage reads, by the stage's parameter that names the file (a test checks the stages against it).
STAGE_FORMATS = {
    ("shard_pairs", "pairs"): PAIR,
    ("prepare_seed", "visionflan_metadata"): VISIONFLAN,
    ("prepare_seed", "allava_caption"): ALLAVA,
    ("prepare_seed", "allava_instruct"): ALLAVA,
    ("synthesizer_set", "seed"): SEED,
    ("warm_up_checker", "seed"): SEED,
    ("posttrain_data", "seed"): SEED,
    ("tune_synthesizer", "train"): SYNTHESIZER_SAMPLE,
    ("synthesize", "shard"): SHARD,
    ("synthesizer_effect", "shards"): SHARD,
    ("synthesizer_effect", "tuned"): SYNTHESIZED,
    ("parse_and_pair", "synthesized"): SYNTHESIZED,
    ("consistency_filter", "triplets"): TRIPLETS,
    ("merge_tasks", "judged"): JUDGED,
    ("posttrain_data", "tasks"): JUDGED,
    ("report", "tasks"): JUDGED,
    ("data_summary", "posttrain"): POSTTRAIN_RECORD,
    ("posttrain", "data"): POSTTRAIN_RECORD,
}


def read_records(path, schema: Schema, policy: RecordPolicy | None = None) -> Iterator[dict]:
    """The records of a JSON list file or a JSONL file (by its ``.jsonl`` suffix), each checked against
    ``schema``: a bad one stops with its file and record named, or is counted and left out under ``skip``."""
    for _where, record in RecordCheck(schema, policy).records(path):
        yield record


class RecordCheck:
    """Checks records against a schema, remembering the values that must be unique (across every file it is
    given, so that shards merged into one file keep their ids unique) and how many records it was given."""

    def __init__(self, schema: Schema, policy: RecordPolicy | None = None):
        self.schema, self.policy = schema, policy or RecordPolicy()
        self.seen: dict[str, dict] = {name: {} for name in schema.unique}
        self.total = 0

    def records(self, path) -> Iterator[tuple[str, dict]]:
        """The good records of a file with where each is: its index in a JSON list, ``at line N`` in JSONL."""
        for where, record in _raw_records(path):
            if self(path, where, record):
                yield where, record

    def __call__(self, path, where: str, record) -> bool:
        """True for a good record; a bad one raises (``stop``) or is counted (``skip``) and gives False."""
        self.total += 1
        problem = self.schema.problem(record)
        if problem is None:
            problem = _repeat(record, self.seen, where)
        if problem:
            kind = f"not {'an' if self.schema.name[0].lower() in 'aeiou' else 'a'} {self.schema.name}"
            self.policy.bad(path, f"{kind}: {problem}", where, kind)
            return False
        return True


def _raw_records(path) -> Iterator[tuple[str, object]]:
    if str(path).endswith(".jsonl"):
        for line, row in jsonl_values(path):
            yield f"at line {line}", row
    else:
        for index, record in enumerate(read_json_list(path)):
            yield str(index), record


def _repeat(record: dict, seen: dict[str, dict], where: str) -> str | None:
    """Why a record repeats a value that must be unique in its file (naming where it was first), or None."""
    for name, values in seen.items():
        value = record[name]
        if value in values:
            first = values[value]
            return f"{name} {value!r} repeats " + (first[3:] if first.startswith("at ") else f"record {first}")
        values[value] = where
    return None
