"""The ``adamllm`` command: each workflow stage by hand, on the same functions the Snakemake rules call."""

from __future__ import annotations

import argparse
import json
import sys

from adamllm import __version__, stages
from adamllm.backends import BACKENDS
from adamllm.errors import BadInputError
from adamllm.families import FAMILIES
from adamllm.posttrain_data import DATA_RECIPES


def _json_arg(text: str):
    return json.loads(text)


ON_BAD_RECORD = "stop at a bad record (naming file and record), or skip it and count it (default: %(default)s)"
BACKEND = "generation backend (default: %(default)s)"
DOUBLE_BOS = "start prompts with two <|begin_of_text|>, as the reference does (default: %(default)s)"

# name: (function, help, [(flag, options)])
COMMANDS = {
    "prepare-seed": (
        stages.prepare_seed,
        "join VisionFLAN and ALLaVA seed files into one record per image",
        [
            ("visionflan_metadata", {"help": "VisionFLAN metadata.json (precise QAs, task names)"}),
            ("allava_caption", {"help": "ALLaVA-Caption-VFLAN-4V.json (captions)"}),
            ("allava_instruct", {"help": "ALLaVA-Instruct-VFLAN-4V.json (informative QAs)"}),
            ("image_dir", {"help": "folder the records' image paths are relative to"}),
            ("--out", {"required": True, "help": "where to write the result"}),
            ("--stats-out", {"required": True, "help": "where to write the stage's counts (JSON)"}),
            ("--on-bad-record", {"choices": ["stop", "skip"], "default": "stop", "help": ON_BAD_RECORD}),
        ],
    ),
    "synthesizer-set": (
        stages.build_synthesizer_set,
        "build the synthesizer's train/dev sets (hints, shuffles, blank images, 90/10 split)",
        [
            ("seed", {"help": "joined seed records (prepare-seed's output)"}),
            ("--blank-image", {"required": True, "help": "the white image that replaces some seed images"}),
            ("--train-out", {"required": True, "help": "where to write the training set"}),
            ("--dev-out", {"required": True, "help": "where to write the dev set"}),
            ("--stats-out", {"required": True, "help": "where to write the stage's counts (JSON)"}),
            (
                "--blank-ratio",
                {
                    "type": float,
                    "default": 0.1,
                    "help": "share of samples per task whose image is blanked (default: %(default)s)",
                },
            ),
            (
                "--dev-ratio",
                {"type": float, "default": 0.1, "help": "share of samples per task held out (default: %(default)s)"},
            ),
            ("--seed-value", {"type": int, "default": 42, "help": "random seed (default: %(default)s)"}),
        ],
    ),
    "shard": (
        stages.shard_pairs,
        "validate image-caption pairs and split them into shards (one output file per shard)",
        [
            ("pairs_file", {"help": "image-caption pairs, a JSON list in LLaMA-Factory sharegpt format"}),
            ("image_dir", {"help": "folder the records' image paths are relative to"}),
            ("--shard-outs", {"nargs": "+", "required": True, "help": "one output file per shard"}),
            ("--stats-out", {"required": True, "help": "where to write the stage's counts (JSON)"}),
            ("--on-bad-record", {"choices": ["stop", "skip"], "default": "stop", "help": ON_BAD_RECORD}),
        ],
    ),
    "synthesize": (
        stages.synthesize,
        "run the synthesizer on a shard",
        [
            ("shard", {"help": "a shard of validated pairs (JSONL, shard's output)"}),
            ("--model", {"required": True, "help": "a model folder or hub id"}),
            ("--out", {"required": True, "help": "where to write the result"}),
            (
                "--backend",
                {"choices": BACKENDS, "default": stages.DEFAULT_BACKEND, "help": BACKEND},
            ),
            ("--max-new-tokens", {"type": int, "default": 512, "help": "output limit (default: %(default)s)"}),
            ("--double-bos", {"action": argparse.BooleanOptionalAction, "default": True, "help": DOUBLE_BOS}),
        ],
    ),
    "parse": (
        stages.parse_and_pair,
        "parse synthesized continuations into QA turns and triplets",
        [
            ("synthesized", {"help": "synthesized continuations (JSONL, synthesize's output)"}),
            ("--out", {"required": True, "help": "where to write the result"}),
            ("--stats-out", {"required": True, "help": "where to write the stage's counts (JSON)"}),
        ],
    ),
    "filter": (
        stages.consistency_filter,
        "judge each triplet with the consistency checker",
        [
            ("triplets", {"help": "parsed triplets (JSONL, parse's output)"}),
            ("--model", {"required": True, "help": "a model folder or hub id"}),
            ("--out", {"required": True, "help": "where to write the result"}),
            ("--stats-out", {"required": True, "help": "where to write the stage's counts (JSON)"}),
            ("--template", {"default": None, "help": "consistency prompt template (default: the bundled one)"}),
            (
                "--backend",
                {"choices": BACKENDS, "default": stages.DEFAULT_BACKEND, "help": BACKEND},
            ),
            (
                "--max-new-tokens",
                {"type": int, "default": 2, "help": "tokens the checker may answer with (default: %(default)s)"},
            ),
        ],
    ),
    "format": (
        stages.format_posttrain,
        "write LLaMA-Factory post-training data for one recipe",
        [
            ("tasks", {"help": "judged tasks of a domain (JSONL, merged filter output)"}),
            ("--out", {"required": True, "help": "where to write the result"}),
            ("--info-out", {"required": True, "help": "where to write the LLaMA-Factory dataset_info.json"}),
            ("--dataset-name", {"required": True, "help": "the dataset's name in dataset_info.json"}),
            (
                "--recipe",
                {"choices": DATA_RECIPES, "default": "single_stage", "help": "data recipe (default: %(default)s)"},
            ),
            ("--seed", {"type": int, "default": 42, "help": "seed of task order and phrasing (default: %(default)s)"}),
            (
                "--keep-caption-without-task",
                {
                    "action": argparse.BooleanOptionalAction,
                    "default": True,
                    "help": "keep the caption task of an image with no synthesized triplet (default: %(default)s)",
                },
            ),
        ],
    ),
    "build-tiny": (
        stages.build_tiny,
        "build a tiny random model of a family from local text",
        [
            ("family", {"help": "model family: " + ", ".join(sorted(FAMILIES))}),
            ("--out", {"required": True, "help": "where to write the result"}),
            ("--corpus", {"nargs": "+", "required": True, "help": "local text files the tokenizer is trained on"}),
            ("--seed", {"type": int, "default": 0, "help": "weight seed (default: %(default)s)"}),
            ("--vocab-size", {"type": int, "default": 2048, "help": "tokenizer vocabulary (default: %(default)s)"}),
        ],
    ),
    "tune-synthesizer": (
        stages.tune_synthesizer,
        "fine-tune the synthesizer on its training set",
        [
            ("base", {"help": "the model to start from: a folder or a hub id"}),
            ("train", {"help": "the synthesizer's training set (synthesizer-set's --train-out)"}),
            ("--out", {"required": True, "help": "where to write the result"}),
            ("--loss-out", {"required": True, "help": "where to write the loss curve (JSON)"}),
            ("--loss-png", {"required": True, "help": "where to draw the loss curve (PNG)"}),
            ("--tuning", {"type": _json_arg, "default": {}, "help": "TuningSettings fields as JSON"}),
            ("--double-bos", {"action": argparse.BooleanOptionalAction, "default": True, "help": DOUBLE_BOS}),
            (
                "--train-instructions",
                {
                    "action": argparse.BooleanOptionalAction,
                    "default": True,
                    "help": "also train the instruction turns after the caption (default: %(default)s)",
                },
            ),
        ],
    ),
    "generate": (
        stages.generate,
        "run a generation backend on a JSON list of {prompt, image} requests (token ids and text out)",
        [
            ("backend", {"choices": BACKENDS, "help": "generation backend"}),
            ("model", {"help": "a model folder or hub id"}),
            ("family", {"help": "model family: " + ", ".join(sorted(FAMILIES))}),
            ("requests_file", {"help": "a JSON list of {prompt, image} requests"}),
            ("--out", {"required": True, "help": "where to write the result"}),
            ("--sampling", {"type": _json_arg, "required": True, "help": "Sampling fields as JSON"}),
            ("--options", {"type": _json_arg, "default": {}, "help": "backend options as JSON"}),
        ],
    ),
    "post-train": (
        stages.post_train,
        "post-train a target model with LLaMA-Factory on one recipe's data",
        [
            ("family", {"help": "model family: " + ", ".join(sorted(FAMILIES))}),
            ("base", {"help": "the model to start from: a folder or a hub id"}),
            ("data", {"help": "post-training data (format's --out)"}),
            ("info", {"help": "its LLaMA-Factory dataset_info.json (format's --info-out)"}),
            ("--out", {"required": True, "help": "where to write the result"}),
            ("--loss-json", {"required": True, "help": "where to write the loss curve (JSON)"}),
            ("--loss-png", {"required": True, "help": "where to draw the loss curve (PNG)"}),
            ("--settings", {"type": _json_arg, "default": {}, "help": "PostTrainSettings fields as JSON"}),
        ],
    ),
}


def _extract(args) -> int:
    """Parse one continuation (stdin) and print its QA turns and triplet as JSON."""
    from adamllm.synthesis import extract_triplet, parse_qa_turns

    text = sys.stdin.read()
    print(json.dumps({"turns": parse_qa_turns(text), "triplet": extract_triplet(text)}, ensure_ascii=False))
    return 0


def _score(args) -> int:
    """Print a predictions file's scores as one JSON object."""
    from adamllm.evaluation.scoring import score_file

    print(json.dumps(score_file(args.task, args.predictions)))
    return 0


def _audit(args) -> int:
    """Stale outputs (Snakemake's reasons) and score manifests that no longer match."""
    from adamllm.audit import audit

    return audit(args.directory, _snakemake_args(args))


def _snakemake_args(args) -> list[str]:
    return args.snakemake_args[1:] if args.snakemake_args[:1] == ["--"] else args.snakemake_args


def _plan(args) -> int:
    """Every training and generation job with its effective arguments, beside the paper's values."""
    from adamllm.plan import PlanError, main

    try:
        return main(_snakemake_args(args), args.json, args.strict, args.directory)
    except PlanError as err:
        print(f"adamllm plan: {err}", file=sys.stderr)
        return 2


def _status(args) -> int:
    """How far every long job has got, from the progress stores."""
    from adamllm.plan import PlanError
    from adamllm.status import main

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
    for name, (function, help_text, arguments) in COMMANDS.items():
        sub = commands.add_parser(name, help=help_text, description=function.__doc__)
        for flag, options in arguments:
            sub.add_argument(flag, **options)
        sub.set_defaults(function=function)
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
        help="show every training and generation job with its exact arguments, beside the paper's",
        description="Build the DAG Snakemake would run with the given arguments (profiles included; as with "
        "--forceall, every job a fresh run starts) and print each training and generation job with the "
        "exact arguments it will run with: post-training under LLaMA-Factory's own names plus "
        "vision_learning_rate and global_batch_size (per-device batch × accumulation × the job's GPUs), "
        "synthesizer tuning's trainer settings, and the engine and sampling settings of synthesis, the "
        "consistency filter and prediction. Values that differ from the paper are marked with the "
        "paper's value beside them. Arguments after `--` go to Snakemake, e.g. "
        "`adamllm plan -- --configfile config/paper/biomed.yaml`. Exit status 0; 1 with --strict when any "
        "value differs from the paper; 2 when Snakemake cannot build the DAG.",
    )
    plan.add_argument("--json", action="store_true", help="one JSON object per job: rule, wildcards, family, args")
    plan.add_argument("--strict", action="store_true", help="exit with status 1 when any value differs from the paper")
    _dag_subcommand(
        commands,
        "status",
        _status,
        help="show how far every synthesis, filter and prediction job has got",
        description="For the DAG Snakemake builds with the given arguments, list every long job (synthesis and "
        "filter shards, the untuned synthesizer check, predictions) as done, in progress (items done of total "
        "and when its last chunk finished, from the job's progress store) or not started — while a run goes "
        "on or after it was interrupted. Arguments after `--` go to Snakemake, e.g. "
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
        if getattr(args, "handler", None):
            return args.handler(args)
        args.function(**{k: v for k, v in vars(args).items() if k not in ("command", "function")})
    except BadInputError as err:
        print(f"adamllm: bad input: {err}", file=sys.stderr)
        return 1
    except ValueError as err:  # e.g. an unknown task or family name
        print(f"adamllm: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
