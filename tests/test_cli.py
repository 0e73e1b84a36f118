"""`adamllm --help`: every subcommand and option says what it is for; choices are listed; nothing internal."""

import argparse
import re
import subprocess
import sys

from conftest import ROOT

from adamllm.cli import build_parser
from adamllm.workflow.stages import STAGES


def subcommands():
    parser = build_parser()
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))


def test_every_subcommand_and_option_has_a_help_line():
    commands = subcommands()
    listed = {id(commands.choices[c.dest]) for c in commands._choices_actions}
    assert listed == {id(parser) for parser in commands.choices.values()}  # none hidden
    for action in commands._choices_actions:
        assert action.help and action.help != argparse.SUPPRESS, action.dest
    for name, parser in commands.choices.items():
        for action in parser._actions:
            assert action.help and action.help != argparse.SUPPRESS, (name, action.option_strings or action.dest)


def test_choices_are_listed_in_the_help():
    text = subprocess.run([sys.executable, "-m", "adamllm.cli", "consistency-filter", "--help"], capture_output=True,
                          text=True, check=True).stdout  # fmt: skip
    assert "{transformers,vllm}" in text
    text = subprocess.run([sys.executable, "-m", "adamllm.cli", "posttrain-data", "--help"], capture_output=True,
                          text=True, check=True).stdout  # fmt: skip
    assert "single_stage" in text and "caption_only" in text


def test_top_level_help_shows_no_internal_entry():
    text = subprocess.run([sys.executable, "-m", "adamllm.cli", "--help"], capture_output=True, text=True,
                          check=True).stdout  # fmt: skip
    assert "SUPPRESS" not in text and "_stage" not in text
    assert "plan" in text and "audit" in text


def test_one_name_per_stage_from_rule_to_script_to_function_to_command():
    """Every rule (but `all`) runs the script of its name, which runs the stage function of its name; the
    command line has a subcommand of that name; and every stage function belongs to a rule."""
    rules = {}
    for smk in (ROOT / "rules").glob("*.smk"):
        for name, body in re.findall(r"^\s*rule (\w+):\n(.*?)(?=^\s*rule |\Z)", smk.read_text(), re.M | re.S):
            rules[name] = re.search(r'script:\s*"\.\./scripts/(\w+)\.py"', body).group(1)
    assert rules == {name: name for name in rules}
    assert set(rules) == set(STAGES)
    commands = subcommands().choices
    for name in rules:
        assert (ROOT / "scripts" / f"{name}.py").exists()
        assert commands[name] is commands[name.replace("_", "-")]


def test_each_default_is_defined_once_in_the_stage_signature():
    """The command line's defaults are the stage functions' (an Engine's fields for the engine)."""
    import dataclasses
    import inspect

    from adamllm.generation.backends import Engine

    commands = subcommands().choices
    engine = {f.name: f.default_factory() if f.default is dataclasses.MISSING else f.default
              for f in dataclasses.fields(Engine)}  # fmt: skip
    for name, stage in STAGES.items():
        defaults = {a.dest: a.default for a in commands[name]._actions if a.dest != "help"}
        for parameter in inspect.signature(stage).parameters.values():
            if parameter.name == "engine":
                assert {k: defaults[k] for k in engine} == engine, name
            elif parameter.default is not inspect.Parameter.empty:
                assert defaults[parameter.name] == parameter.default, (name, parameter.name)


def test_a_rule_missing_a_stage_parameter_is_named(tmp_path):
    """run_stage takes a stage's arguments by name from the rule; one the rule lacks is named, not guessed.
    The rule's containers are Snakemake's own Namedlist."""
    from types import SimpleNamespace

    import pytest
    from snakemake.iocontainers import Namedlist

    from adamllm.workflow.smk import stage_arguments

    snakemake = SimpleNamespace(
        rule="parse_and_pair", params=Namedlist(), wildcards=Namedlist(),
        input=Namedlist(fromdict={"synthesized": "s.jsonl"}), output=Namedlist(fromdict={"triplets": "t.jsonl"}),
    )  # fmt: skip
    with pytest.raises(TypeError, match="rule parse_and_pair names no input, output, param or wildcard 'stats'"):
        stage_arguments(snakemake, STAGES["parse_and_pair"])
    snakemake.params = Namedlist(fromdict={"chunk_sise": 8})
    with pytest.raises(TypeError, match="rule parse_and_pair has params parse_and_pair does not take: chunk_sise"):
        stage_arguments(snakemake, STAGES["parse_and_pair"])
    snakemake.params = Namedlist()
    snakemake.output = Namedlist(fromdict={"triplets": "t.jsonl", "stats": "s.json"})
    assert stage_arguments(snakemake, STAGES["parse_and_pair"]) == {
        "synthesized": "s.jsonl",
        "triplets": "t.jsonl",
        "stats": "s.json",
    }


def test_lists_of_files_are_told_apart_on_the_command_line():
    """Two lists side by side (judged shards and their stats) go by name, never split by position."""
    parser = build_parser()
    args = parser.parse_args(["merge-tasks", "--judged", "j1", "j2", "--shard-stats", "s1", "s2",
                              "--tasks", "t.jsonl", "--stats", "t.stats.json"])  # fmt: skip
    assert (args.judged, args.shard_stats) == (["j1", "j2"], ["s1", "s2"])
    args = parser.parse_args(["synthesizer_effect", "base", "10", "--shards", "a", "b", "--tuned", "c", "d",
                              "--effect", "e.json"])  # fmt: skip
    assert (args.shards, args.tuned, args.base, args.max_pairs) == (["a", "b"], ["c", "d"], "base", 10)
    for name in STAGES:
        command = subcommands().choices[name]
        positional = [a for a in command._actions if not a.option_strings and a.dest != "help"]
        assert all(a.nargs is None for a in positional), name
