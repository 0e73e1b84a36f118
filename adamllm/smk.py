"""Glue for Snakemake ``script:`` files: run a stage with its output in the rule's log."""

from __future__ import annotations

import contextlib
import sys
import traceback

from adamllm.errors import BadInputError


def run_logged(snakemake, function, **kwargs):
    """Call ``function(**kwargs)`` with stdout/stderr in ``snakemake.log[0]``.

    Bad input ends the job with its one-line message (in the log and on the console), not a traceback.
    """
    with open(snakemake.log[0], "w", encoding="utf-8") as log:
        with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
            try:
                return function(**kwargs)
            except BadInputError as err:
                message = f"adamllm: bad input: {err}"
                print(message, file=log)
                print(message, file=sys.__stderr__)
                raise SystemExit(1) from None
            except BaseException:
                traceback.print_exc(file=log)  # a failure is explained in the job's log, not lost
                raise
