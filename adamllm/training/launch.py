"""Launching: another interpreter for a stage, and distributed training over a job's GPUs and nodes.

One node: a torchrun-style launcher over the GPUs the scheduler exposes (CUDA_VISIBLE_DEVICES).
Several nodes (a Slurm job with ``--nodes=N``): ``srun`` starts one launcher per node; each reads its
rank from ``SLURM_NODEID`` and meets the others at the job's first host on a free port.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass

# srun flags for one launcher per node, inside a job step (Snakemake runs each job under ``srun -n1``):
# --overlap shares that step's CPUs and GPUs, --mem=0 the job's memory (the outer step holds it all);
# one failed node ends the others.
SRUN_PER_NODE = ("--ntasks-per-node=1", "--overlap", "--mem=0", "--kill-on-bad-exit=1")


def _run(command: list[str], env: dict | None = None) -> None:
    """Run a child whose output goes where this process's goes now (a job's log, under Snakemake)."""
    sys.stdout.flush()
    sys.stderr.flush()
    subprocess.run(command, check=True, stdout=sys.stdout, stderr=sys.stderr, env=env)


def free_port() -> int:
    """A TCP port free on this host (for torchrun's rendezvous)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def visible_gpus() -> int:
    import torch

    return torch.cuda.device_count() if torch.cuda.is_available() else 0


@dataclass(frozen=True)
class Topology:
    """Where one node's launcher sits in a distributed run."""

    nnodes: int = 1
    node_rank: int = 0
    master_addr: str = "127.0.0.1"
    master_port: int = 0
    gpus_per_node: int = 0

    def env(self) -> dict[str, str]:
        """The variables LLaMA-Factory's launcher reads (NNODES…) and torchrun's ``PET_`` twins."""
        values = {
            "NNODES": self.nnodes, "NODE_RANK": self.node_rank, "MASTER_ADDR": self.master_addr,
            "MASTER_PORT": self.master_port, "NPROC_PER_NODE": max(self.gpus_per_node, 1),
        }  # fmt: skip
        return {**{k: str(v) for k, v in values.items()}, **{f"PET_{k}": str(v) for k, v in values.items()}}


def job_nodes(env=os.environ) -> int:
    """Nodes in this Slurm job (1 outside Slurm)."""
    return int(env.get("SLURM_JOB_NUM_NODES") or env.get("SLURM_NNODES") or 1)


def job_hosts(env=os.environ) -> list[str]:
    """Host names of this Slurm job, first node first (``scontrol`` expands ranges like gpu[01-04])."""
    nodelist = env.get("SLURM_JOB_NODELIST") or env.get("SLURM_NODELIST")
    if not nodelist:
        raise RuntimeError("a multi-node run needs SLURM_JOB_NODELIST (run it inside a Slurm job)")
    if "[" not in nodelist:
        return nodelist.split(",")
    if not shutil.which("scontrol"):
        raise RuntimeError(f"cannot expand the node list {nodelist!r}: scontrol is not on PATH")
    output = subprocess.run(["scontrol", "show", "hostnames", nodelist], capture_output=True, text=True, check=True)
    return output.stdout.split()


def node_topology(env=os.environ) -> Topology:
    """This node's place, inside a per-node task started by :func:`run_distributed`."""
    return Topology(
        nnodes=int(env["NNODES"]), node_rank=int(env.get("SLURM_NODEID", 0)), master_addr=env["MASTER_ADDR"],
        master_port=int(env["MASTER_PORT"]), gpus_per_node=visible_gpus(),
    )  # fmt: skip


def per_node_command(nnodes: int, command: list[str]) -> list[str]:
    """``srun`` running ``command`` once per node, through this module's per-node entry point."""
    return ["srun", f"--nodes={nnodes}", f"--ntasks={nnodes}", *SRUN_PER_NODE,
            sys.executable, "-m", "adamllm.training.launch", *command]  # fmt: skip


def run_distributed(command: list[str], extra_env: dict | None = None) -> bool:
    """Run ``command`` (a launcher reading :meth:`Topology.env`: torchrun, ``llamafactory-cli train``)
    on every node of this job when it spans several nodes, or here when this node has several GPUs.
    Return False, running nothing, where one process does: one GPU or none, or already a worker."""
    if "LOCAL_RANK" in os.environ:
        return False
    # Launchers call ``torchrun`` by name: this interpreter's scripts come first on PATH.
    path = os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])
    env = {**os.environ, **(extra_env or {}), "PATH": path}
    nnodes = job_nodes()
    if nnodes > 1:
        rendezvous = {"NNODES": str(nnodes), "MASTER_ADDR": job_hosts()[0], "MASTER_PORT": str(free_port())}
        _run(per_node_command(nnodes, command), env={**env, **rendezvous})
        return True
    gpus = visible_gpus()
    if gpus <= 1:
        return False
    _run(command, env={**env, **Topology(master_port=free_port(), gpus_per_node=gpus).env()})
    return True


def torchrun(module_args: list[str]) -> list[str]:
    """torchrun (its options from ``PET_`` variables) running ``python -m <module_args>``."""
    return [sys.executable, "-m", "torch.distributed.run", "-m", *module_args]


def run_in_python(python, function_name: str, kwargs: dict) -> bool:
    """Run ``adamllm.workflow.stages.<function_name>(**kwargs)`` (``python -m adamllm.workflow.stages``) in another
    interpreter (one holding vLLM, say) when ``python`` names one other than this; return whether it did."""
    import json
    from pathlib import Path

    # Not resolved: a virtual environment's python is a link to the base interpreter.
    if not python or Path(python).absolute() == Path(sys.executable).absolute():
        return False
    command = [str(python), "-m", "adamllm.workflow.stages", function_name, json.dumps(kwargs, default=str)]
    _run(command)
    return True


def main(argv: list[str]) -> None:
    """Per-node entry point (``python -m adamllm.training.launch COMMAND…``, started by srun): run the launcher
    with this node's rank and the job's rendezvous."""
    if not argv:
        raise SystemExit("usage: python -m adamllm.training.launch COMMAND [ARG…]  (one per node, under srun)")
    _run(argv, env={**os.environ, **node_topology().env()})


if __name__ == "__main__":
    main(sys.argv[1:])
