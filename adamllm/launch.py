"""Multi-GPU launching: re-run a CLI command under torchrun over the GPUs this job was given."""

from __future__ import annotations

import os
import socket
import subprocess
import sys


def free_port() -> int:
    """A TCP port free on this host (for torchrun's rendezvous)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def visible_gpus() -> int:
    import torch

    return torch.cuda.device_count() if torch.cuda.is_available() else 0


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
    subprocess.run(command, check=True)
    return True
