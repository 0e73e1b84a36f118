"""Glue for Snakemake ``script:`` files: run the rule's stage with its output in the rule's log."""

from __future__ import annotations

import contextlib
import inspect
import sys
import traceback

from adamllm.core.errors import BadInputError, file_error


def stage_arguments(snakemake, stage) -> dict:
    """The stage's keyword arguments, each taken by name from the rule's params, outputs, inputs or
    wildcards (in that order); lists of files as plain lists. Parameters the rule does not name keep
    their defaults; a rule param the stage does not take is an error."""
    arguments = {}
    params, files = snakemake.params, (snakemake.output, snakemake.input)
    signature = inspect.signature(stage).parameters
    if unknown := [name for name in params.keys() if name not in signature]:  # a misspelt param is no default
        raise TypeError(f"rule {snakemake.rule} has params {stage.__name__} does not take: {', '.join(unknown)}")
    for name, parameter in signature.items():
        if name in params.keys():
            arguments[name] = params[name]
        elif source := next((f for f in files if name in f.keys()), None):
            value = source[name]
            arguments[name] = [str(v) for v in value] if isinstance(value, list) else str(value)
        elif name in snakemake.wildcards.keys():
            arguments[name] = snakemake.wildcards[name]
        elif parameter.default is inspect.Parameter.empty:
            raise TypeError(f"rule {snakemake.rule} names no input, output, param or wildcard {name!r}")
    return arguments


def run_stage(snakemake):
    """Run the stage of the rule's name (adamllm.workflow.stages) with stdout/stderr in ``snakemake.log[0]``.

    Bad input ends the job with its one-line message (in the log and on the console), not a traceback.
    """
    from adamllm.workflow.stages import STAGES

    stage = STAGES[snakemake.rule]
    with open(snakemake.log[0], "w", encoding="utf-8") as log:
        with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
            try:
                return stage(**stage_arguments(snakemake, stage))
            except (BadInputError, OSError) as err:
                bad = isinstance(err, BadInputError)
                message = f"adamllm: bad input: {err}" if bad else f"adamllm: {file_error(err)}"
                print(message, file=log)
                print(message, file=sys.__stderr__)
                raise SystemExit(1) from None
            except BaseException:
                traceback.print_exc(file=log)  # a failure is explained in the job's log, not lost
                raise
