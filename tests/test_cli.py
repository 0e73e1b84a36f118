"""`adamllm --help`: every subcommand and option says what it is for; choices are listed; nothing internal."""

import argparse
import subprocess
import sys

from adamllm.cli import build_parser


def subcommands():
    parser = build_parser()
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))


def test_every_subcommand_and_option_has_a_help_line():
    commands = subcommands()
    assert {c.dest for c in commands._choices_actions} == set(commands.choices)  # none hidden
    for action in commands._choices_actions:
        assert action.help and action.help != argparse.SUPPRESS, action.dest
    for name, parser in commands.choices.items():
        for action in parser._actions:
            assert action.help and action.help != argparse.SUPPRESS, (name, action.option_strings or action.dest)


def test_choices_are_listed_in_the_help():
    text = subprocess.run([sys.executable, "-m", "adamllm.cli", "filter", "--help"], capture_output=True,
                          text=True, check=True).stdout  # fmt: skip
    assert "{transformers,vllm}" in text
    text = subprocess.run([sys.executable, "-m", "adamllm.cli", "format", "--help"], capture_output=True,
                          text=True, check=True).stdout  # fmt: skip
    assert "single_stage" in text and "caption_only" in text


def test_top_level_help_shows_no_internal_entry():
    text = subprocess.run([sys.executable, "-m", "adamllm.cli", "--help"], capture_output=True, text=True,
                          check=True).stdout  # fmt: skip
    assert "SUPPRESS" not in text and "_stage" not in text
    assert "plan" in text and "audit" in text
