"""Run inside a Slurm job under ``srun -n1`` (as Snakemake runs a job): start the per-node launcher the
multi-node path uses, over this job's nodes, and have each node write what it was given to ARGV[1]."""

import os
import sys

from adamllm.training.launch import _run, free_port, job_hosts, job_nodes, per_node_command

nodes = job_nodes()
report = "import json, os, sys; json.dump({k: os.environ.get(k) for k in sys.argv[2:]}, open(sys.argv[1], 'w'))"
names = ["NODE_RANK", "PET_NODE_RANK", "NNODES", "MASTER_ADDR", "MASTER_PORT", "SLURM_NODEID", "SLURM_STEP_ID",
         "CUDA_VISIBLE_DEVICES"]  # fmt: skip
rendezvous = {"NNODES": str(nodes), "MASTER_ADDR": job_hosts()[0], "MASTER_PORT": str(free_port())}
_run(per_node_command(nodes, [sys.executable, "-c", report, sys.argv[1], *names]), env={**os.environ, **rendezvous})
