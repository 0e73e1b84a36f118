"""The ``adamllm`` command: each workflow stage by hand, on the same functions the Snakemake rules call."""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import json
import re
import sys
import types
import typing

from adamllm import __version__
from adamllm.core.errors import BadInputError, file_error
from adamllm.generation.backends import BACKENDS, Engine
from adamllm.models.families import FAMILIES, READINGS
from adamllm.workflow.stages import SHARED_HELP, STAGES


def _json_arg(text: str):
    return json.loads(text)


def _parameter_help(function) -> dict[str, str]:
    """``name: help`` lines of a docstring's ``Args:`` section (continuation lines joined), over the help
    of the parameters many stages share."""
    helps, name, in_args = dict(SHARED_HELP), None, False
    for line in inspect.getdoc(function).splitlines():
        if line.strip() == "Args:":
            in_args = True
        elif in_args and (match := re.match(r"^    (\w+): (.*)$", line)):
            name = match.group(1)
            helps[name] = match.group(2)
        elif in_args and name and line.startswith("        "):
            helps[name] += " " + line.strip()
    return {key: text.replace("%", "%%") for key, text in helps.items()}  # argparse %-formats help


def _summary(function) -> str:
    """A docstring without its ``Args:`` section."""
    return inspect.getdoc(function).split("\nArgs:")[0].strip()


def _argument(name: str, hint, default, help_text: str) -> tuple[list[str], dict]:
    """argparse flags and options of one parameter, from its type hint and default: files a stage writes
    (``Output``), lists (two lists side by side could not be told apart) and parameters with a default are
    options; the rest are positional."""
    output = typing.get_origin(hint) is typing.Annotated and "output" in hint.__metadata__
    hint = typing.get_args(hint)[0] if typing.get_origin(hint) is typing.Annotated else hint
    if typing.get_origin(hint) in (typing.Union, types.UnionType):  # X | None
        hint = next(arg for arg in typing.get_args(hint) if arg is not type(None))
        hint = typing.get_args(hint)[0] if typing.get_origin(hint) is typing.Annotated else hint
    required = default is inspect.Parameter.empty
    options = {"help": help_text if required else f"{help_text} (default: %(default)s)"}
    if hint is bool:
        options["action"] = argparse.BooleanOptionalAction
    elif typing.get_origin(hint) is typing.Literal:
        options["choices"] = typing.get_args(hint)
    elif typing.get_origin(hint) is list and typing.get_args(hint) == (str,):
        options["nargs"] = "+"
    elif hint in (dict, list) or typing.get_origin(hint) in (dict, list):
        options["type"] = _json_arg
        options["help"] += " (JSON)" if "JSON" not in help_text else ""
    elif hint in (int, float):
        options["type"] = hint
    if not required:
        options["default"] = default
    if required and not output and "nargs" not in options:
        return [name], options
    return [f"--{name.replace('_', '-')}"], {**options, "required": required, "dest": name}


def add_stage(commands, stage) -> None:
    """A subcommand running ``stage``: named as the stage (and its rule), its arguments from the stage's
    signature (defaults defined there once) and help from its docstring; an ``Engine`` parameter becomes
    the engine's own options (--backend, --options, --python)."""
    helps = _parameter_help(stage)
    hints = typing.get_type_hints(stage, include_extras=True)
    name = stage.__name__
    first = re.split(r"\.\s", _summary(stage).replace("\n", " "))[0].rstrip(".")
    sub = commands.add_parser(name.replace("_", "-"), aliases=[name] if "_" in name else [],
                              help=first.replace("%", "%%"), description=_summary(stage))  # fmt: skip
    engine_fields = []
    for parameter in inspect.signature(stage).parameters.values():
        if parameter.name == "engine":
            field_hints = typing.get_type_hints(Engine)
            for field in dataclasses.fields(Engine):
                default = field.default_factory() if field.default is dataclasses.MISSING else field.default
                flags, options = _argument(field.name, field_hints[field.name], default, field.metadata["help"])
                sub.add_argument(*flags, **options)
                engine_fields.append(field.name)
            continue
        flags, options = _argument(parameter.name, hints[parameter.name], parameter.default, helps[parameter.name])
        sub.add_argument(*flags, **options)

    def run(args):
        arguments = {k: v for k, v in vars(args).items() if k not in ("command", "handler", *engine_fields)}
        if engine_fields:
            arguments["engine"] = {field: getattr(args, field) for field in engine_fields}
        stage(**arguments)
        return 0

    sub.set_defaults(handler=run)


def _generate(args) -> int:
    """Run any backend on a JSON list of ``{prompt, image}`` requests; write token ids and text per request."""
    from adamllm.core.io import read_json, write_json
    from adamllm.generation.backends import Request, Sampling

    requests = [Request(r["prompt"], r.get("image")) for r in read_json(args.requests_file)]
    engine = Engine(args.backend, args.options).load(args.model, args.family)
    settings = Sampling(**{**args.sampling, "stop": tuple(args.sampling.get("stop", ()))})
    tokens = engine.generate_tokens(requests, settings)
    texts = engine.decode(tokens, settings)
    write_json(args.out, [{"tokens": t, "text": x} for t, x in zip(tokens, texts, strict=True)])
    return 0


def _extract(args) -> int:
    """Parse one continuation (stdin) and print its QA turns and triplet as JSON."""
    from adamllm.generation.synthesis import extract_triplet, parse_qa_turns

    text = sys.stdin.read()
    print(json.dumps({"turns": parse_qa_turns(text), "triplet": extract_triplet(text)}, ensure_ascii=False))
    return 0


def _score(args) -> int:
    """Print a predictions file's scores as one JSON object."""
    from adamllm.evaluation.scoring import score_file, score_file_with_intervals

    scores = score_file_with_intervals(args.task, args.predictions)[0] if args.intervals else None
    print(json.dumps(scores or score_file(args.task, args.predictions)))
    return 0


def _audit(args) -> int:
    """Stale outputs (Snakemake's reasons) and score manifests that no longer match."""
    from adamllm.workflow.audit import audit

    return audit(args.directory, _snakemake_args(args))


def _snakemake_args(args) -> list[str]:
    return args.snakemake_args[1:] if args.snakemake_args[:1] == ["--"] else args.snakemake_args


def _plan(args) -> int:
    """Every training and generation job with its effective arguments, beside both readings' values."""
    from adamllm.workflow.plan import PlanError, main

    try:
        return main(_snakemake_args(args), args.json, args.strict, args.directory, args.against)
    except PlanError as err:
        print(f"adamllm plan: {err}", file=sys.stderr)
        return 2


def _status(args) -> int:
    """How far every long job has got, from the progress stores."""
    from adamllm.workflow.plan import PlanError
    from adamllm.workflow.status import main

    try:
        return main(_snakemake_args(args), args.directory)
    except PlanError as err:
        print(f"adamllm status: {err}", file=sys.stderr)
        return 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="adamllm",
        description="AdaMLLM stages by hand. The workflow (snakemake) calls the same functions; "
        "see README.md for whole runs.",
    )
    parser.add_argument("--version", action="version", version=f"adamllm {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for stage in STAGES.values():
        add_stage(commands, stage)
    generate = commands.add_parser(
        "generate",
        help="run a generation backend on a JSON list of {prompt, image} requests (token ids and text out)",
        description=_generate.__doc__,
    )
    generate.add_argument("backend", choices=BACKENDS, help="generation backend")
    generate.add_argument("model", help="a model folder or hub id")
    generate.add_argument("family", help="model family: " + ", ".join(sorted(FAMILIES)))
    generate.add_argument("requests_file", help="a JSON list of {prompt, image} requests")
    generate.add_argument("--out", required=True, help="where to write the result")
    generate.add_argument("--sampling", type=_json_arg, required=True, help="Sampling fields as JSON")
    generate.add_argument("--options", type=_json_arg, default={}, help="backend options as JSON")
    generate.set_defaults(handler=_generate)
    extract = commands.add_parser("extract", help="parse a synthesizer continuation read from stdin")
    extract.set_defaults(handler=_extract)
    score = commands.add_parser(
        "score",
        help="score a predictions file of a benchmark",
        description="Print the scores (×100) of a predictions JSONL file as one JSON object. Rows carry "
        "id, label, pred, and answer_type (SLAKE, PathVQA, VQA_RAD) or A-D (PMC-VQA).",
    )
    score.add_argument("task", help="SLAKE, PathVQA, VQA_RAD, PMC-VQA, Recipe1M, Nutrition5K, Food101 or FoodSeg103")
    score.add_argument("predictions", help="JSONL file, one row per item")
    score.add_argument("--intervals", action="store_true",
                       help="add ci95: each score's seeded 95%% bootstrap interval over the rows, as the "
                            "workflow's score files hold it")  # fmt: skip
    score.set_defaults(handler=_score)
    _dag_subcommand(
        commands,
        "audit",
        _audit,
        help="list stale outputs and verify the score manifests",
        description="List the outputs Snakemake would make again, each with Snakemake's reason (from "
        "`snakemake --summary`), then check every score manifest under results/ against the files it "
        "recorded. Exit status 0 only when nothing is stale and every manifest matches, 1 otherwise, 2 when "
        "Snakemake cannot build the DAG (its message is printed). Arguments after "
        "`--` go to Snakemake, e.g. `adamllm audit -- --configfile config/paper/biomed.yaml`.",
    )
    plan = _dag_subcommand(
        commands,
        "plan",
        _plan,
        help="show every training and generation job with its exact arguments, beside both readings of the paper",
        description="Build the DAG Snakemake would run with the given arguments (profiles included; as with "
        "--forceall, every job a fresh run starts) and print each training and generation job with the "
        "exact arguments it will run with: post-training under LLaMA-Factory's own names plus "
        "vision_learning_rate, global_batch_size (per-device batch × accumulation × the job's GPUs) and, under "
        "LoRA, lora_vision (full: the tower trains whole although freeze_vision_tower keeps LoRA off it), "
        "synthesizer tuning's trainer settings, and the engine and sampling settings of synthesis, the "
        "consistency filter and prediction. Each value is held against a reading of the method: `paper` "
        "(Table 10) or `reference_code` (what the authors' commands ran; docs/method.md §7). A value that "
        "differs is marked ≠ with both readings' values beside it; the last lines count the deviations "
        "against each reading. Arguments after `--` go to Snakemake, e.g. "
        "`adamllm plan -- --configfile config/paper/biomed.yaml`. Exit status 0; 1 with --strict when any "
        "value differs from the reading held against; 2 when Snakemake cannot build the DAG.",
    )
    plan.add_argument("--json", action="store_true",
                      help="one JSON object per job: rule, wildcards, family, args, reading, readings")  # fmt: skip
    plan.add_argument("--against", choices=READINGS, default=None,
                      help="the reading to hold every job against (default: the one its settings select, "
                           "posttrain.settings.reading)")  # fmt: skip
    plan.add_argument("--strict", action="store_true",
                      help="exit with status 1 when any value differs from the reading held against")  # fmt: skip
    _dag_subcommand(
        commands,
        "status",
        _status,
        help="show how far every GPU job has got, and its measured time beside the estimate",
        description="For the DAG Snakemake builds with the given arguments, list every long job (synthesizer "
        "tuning, synthesis and filter shards, the untuned synthesizer check, post-training, predictions) as "
        "done, in progress (for chunked jobs: items done of total and when its last chunk finished, from the "
        "job's progress store) or not started — while a run goes on or after it was interrupted — with the "
        "GPU-hours `adamllm plan` estimates for it and, once done, the time Snakemake measured (its benchmark "
        "file). Arguments after `--` go to Snakemake, e.g. "
        "`adamllm status -- --configfile config/paper/biomed.yaml`.",
    )
    return parser


def _dag_subcommand(commands, name: str, handler, help: str, description: str) -> argparse.ArgumentParser:
    """A subcommand about the DAG Snakemake builds: the workflow folder, and Snakemake's arguments after --."""
    sub = commands.add_parser(name, help=help, description=description)
    sub.add_argument("--directory", default=".", help="the workflow folder (default: here)")
    sub.add_argument("snakemake_args", nargs=argparse.REMAINDER, help="arguments for Snakemake, after --")
    sub.set_defaults(handler=handler)
    return sub


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except BadInputError as err:
        print(f"adamllm: bad input: {err}", file=sys.stderr)
        return 1
    except ValueError as err:  # e.g. an unknown task or family name
        print(f"adamllm: {err}", file=sys.stderr)
        return 2
    except OSError as err:  # a file or folder that cannot be read or written: an input, an output, a store
        print(f"adamllm: {file_error(err)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
