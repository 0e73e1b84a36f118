"""The ``adamllm`` command: each workflow stage by hand, on the same functions the Snakemake rules call."""

from __future__ import annotations

import argparse
import json
import sys

from adamllm import __version__, stages
from adamllm.errors import BadInputError


def _json_arg(text: str):
    return json.loads(text)


# name: (function, help, [(flag, options)])
COMMANDS = {
    "prepare-seed": (
        stages.prepare_seed,
        "join VisionFLAN and ALLaVA seed files into one record per image",
        [
            ("visionflan_metadata", {}),
            ("allava_caption", {}),
            ("allava_instruct", {}),
            ("image_dir", {}),
            ("--out", {"required": True}),
            ("--stats-out", {"required": True}),
            ("--on-bad-record", {"choices": ["stop", "skip"], "default": "stop"}),
        ],
    ),
    "synthesizer-set": (
        stages.build_synthesizer_set,
        "build the synthesizer's train/dev sets (hints, shuffles, blank images, 90/10 split)",
        [
            ("seed", {}),
            ("--blank-image", {"required": True}),
            ("--train-out", {"required": True}),
            ("--dev-out", {"required": True}),
            ("--stats-out", {"required": True}),
            ("--blank-ratio", {"type": float, "default": 0.1}),
            ("--dev-ratio", {"type": float, "default": 0.1}),
            ("--seed-value", {"type": int, "default": 42}),
        ],
    ),
    "shard": (
        stages.shard_pairs,
        "validate image-caption pairs and split them into shards (one output file per shard)",
        [
            ("pairs_file", {}),
            ("image_dir", {}),
            ("--shard-outs", {"nargs": "+", "required": True}),
            ("--stats-out", {"required": True}),
            ("--on-bad-record", {"choices": ["stop", "skip"], "default": "stop"}),
        ],
    ),
    "synthesize": (
        stages.synthesize,
        "run the synthesizer on a shard",
        [
            ("shard", {}),
            ("--model", {"required": True}),
            ("--out", {"required": True}),
            ("--backend", {"default": "transformers"}),
            ("--max-new-tokens", {"type": int, "default": 512}),
            ("--double-bos", {"action": argparse.BooleanOptionalAction, "default": True}),
        ],
    ),
    "parse": (
        stages.parse_and_pair,
        "parse synthesized continuations into QA turns and triplets",
        [("synthesized", {}), ("--out", {"required": True}), ("--stats-out", {"required": True})],
    ),
    "filter": (
        stages.consistency_filter,
        "judge each triplet with the consistency checker",
        [
            ("triplets", {}),
            ("--model", {"required": True}),
            ("--out", {"required": True}),
            ("--stats-out", {"required": True}),
            ("--template", {"default": None}),
            ("--backend", {"default": "transformers"}),
            ("--max-new-tokens", {"type": int, "default": 2}),
        ],
    ),
    "format": (
        stages.format_posttrain,
        "write LLaMA-Factory post-training data for one recipe",
        [
            ("tasks", {}),
            ("--out", {"required": True}),
            ("--info-out", {"required": True}),
            ("--dataset-name", {"required": True}),
            ("--recipe", {"default": "single_stage"}),
            ("--seed", {"type": int, "default": 42}),
            ("--keep-caption-without-task", {"action": argparse.BooleanOptionalAction, "default": True}),
        ],
    ),
    "build-tiny": (
        stages.build_tiny,
        "build a tiny random model of a family from local text",
        [
            ("family", {}),
            ("--out", {"required": True}),
            ("--corpus", {"nargs": "+", "required": True}),
            ("--seed", {"type": int, "default": 0}),
            ("--vocab-size", {"type": int, "default": 2048}),
        ],
    ),
    "tune-synthesizer": (
        stages.tune_synthesizer,
        "fine-tune the synthesizer on its training set",
        [
            ("base", {}),
            ("train", {}),
            ("--out", {"required": True}),
            ("--loss-out", {"required": True}),
            ("--loss-png", {"required": True}),
            ("--tuning", {"type": _json_arg, "default": {}, "help": "TuningSettings fields as JSON"}),
            ("--double-bos", {"action": argparse.BooleanOptionalAction, "default": True}),
            ("--train-instructions", {"action": argparse.BooleanOptionalAction, "default": False}),
        ],
    ),
    "generate": (
        stages.generate,
        "run a generation backend on a JSON list of {prompt, image} requests (token ids and text out)",
        [
            ("backend", {"choices": ["transformers", "vllm"]}),
            ("model", {}),
            ("family", {}),
            ("requests_file", {}),
            ("--out", {"required": True}),
            ("--sampling", {"type": _json_arg, "required": True, "help": "Sampling fields as JSON"}),
            ("--options", {"type": _json_arg, "default": {}, "help": "backend options as JSON"}),
        ],
    ),
    "post-train": (
        stages.post_train,
        "post-train a target model with LLaMA-Factory on one recipe's data",
        [
            ("family", {}),
            ("base", {}),
            ("data", {}),
            ("info", {}),
            ("--out", {"required": True}),
            ("--loss-json", {"required": True}),
            ("--loss-png", {"required": True}),
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
    audit = commands.add_parser(
        "audit",
        help="list stale outputs and verify the score manifests",
        description="List the outputs Snakemake would make again, each with Snakemake's reason (from "
        "`snakemake --summary`), then check every score manifest under results/ against the files it "
        "recorded. Exit status 0 only when nothing is stale and every manifest matches, 1 otherwise, 2 when "
        "Snakemake cannot build the DAG (its message is printed). Arguments after "
        "`--` go to Snakemake, e.g. `adamllm audit -- --configfile config/paper/biomed.yaml`.",
    )
    audit.add_argument("--directory", default=".", help="the workflow folder (default: here)")
    audit.add_argument("snakemake_args", nargs=argparse.REMAINDER, help="arguments for Snakemake, after --")
    audit.set_defaults(handler=_audit)
    plan = commands.add_parser(
        "plan",
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
    plan.add_argument("--directory", default=".", help="the workflow folder (default: here)")
    plan.add_argument("snakemake_args", nargs=argparse.REMAINDER, help="arguments for Snakemake, after --")
    plan.set_defaults(handler=_plan)
    stage = commands.add_parser("_stage", help=argparse.SUPPRESS)  # a stage in another interpreter
    stage.add_argument("name")
    stage.add_argument("kwargs", type=_json_arg)
    stage.set_defaults(handler=lambda args: getattr(stages, args.name)(**args.kwargs) or 0)
    return parser


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
