"""Multi-GPU launching: re-run a CLI command under torchrun over the GPUs this job was given."""

from __future__ import annotations

import os
import socket
import subprocess
import sys


def _run(command: list[str]) -> None:
    """Run a child whose output goes where this process's goes now (a job's log, under Snakemake)."""
    sys.stdout.flush()
    sys.stderr.flush()
    subprocess.run(command, check=True, stdout=sys.stdout, stderr=sys.stderr)


def free_port() -> int:
    """A TCP port free on this host (for torchrun's rendezvous)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def visible_gpus() -> int:
    import torch

    return torch.cuda.device_count() if torch.cuda.is_available() else 0


def run_in_python(python, function_name: str, kwargs: dict) -> bool:
    """Run ``adamllm.stages.<function_name>(**kwargs)`` in another interpreter (one holding vLLM, say) when
    ``python`` names one other than this; return whether it did."""
    import json
    from pathlib import Path

    # Not resolved: a virtual environment's python is a link to the base interpreter.
    if not python or Path(python).absolute() == Path(sys.executable).absolute():
        return False
    command = [str(python), "-m", "adamllm.cli", "_stage", function_name, json.dumps(kwargs)]
    _run(command)
    return True


def torchrun_if_several_gpus(cli_args: list[str]) -> bool:
    """Run ``adamllm <cli_args>`` under torchrun when several GPUs are visible and no distributed run
    is under way; return whether it did. GPUs are those the scheduler exposes (CUDA_VISIBLE_DEVICES)."""
    gpus = visible_gpus()
    if gpus <= 1 or "LOCAL_RANK" in os.environ:
        return False
    command = [
        sys.executable, "-m", "torch.distributed.run",
        f"--nproc_per_node={gpus}", f"--master_port={free_port()}",
        "-m", "adamllm.cli", *cli_args,
    ]  # fmt: skip
    _run(command)
    return True
