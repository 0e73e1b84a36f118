"""Distributed launching (adamllm.training.launch): one node with several GPUs, or a Slurm job over several nodes."""

import json
import os
import shutil
import stat
import subprocess
import sys

import pytest
from conftest import ROOT
from test_posttrain import TINY, dataset, tiny_models  # noqa: F401  (fixtures)

from adamllm.training import launch
from adamllm.training.posttrain import post_train

# srun cannot span two nodes on this machine: this stand-in starts one task per "node" here, with the
# SLURM_NODEID srun would give each, and records how it was called.
STAND_IN_SRUN = """\
#!{python}
import json, os, subprocess, sys
args = sys.argv[1:]
flags = []
while args and args[0].startswith("--"):
    flags.append(args.pop(0))
with open({record!r}, "w") as handle:
    json.dump({{"flags": flags, "command": args}}, handle)
ntasks = int(next(f for f in flags if f.startswith("--ntasks=")).split("=")[1])
children = [subprocess.Popen(args, env={{**os.environ, "SLURM_NODEID": str(i), "SLURM_PROCID": str(i)}})
            for i in range(ntasks)]
sys.exit(max(child.wait() for child in children))
"""


def test_topology_speaks_to_both_launchers():
    env = launch.Topology(nnodes=4, node_rank=2, master_addr="gpu01", master_port=29500, gpus_per_node=8).env()
    for name, value in {"NNODES": "4", "NODE_RANK": "2", "MASTER_ADDR": "gpu01", "MASTER_PORT": "29500",
                        "NPROC_PER_NODE": "8"}.items():  # fmt: skip
        assert env[name] == value and env[f"PET_{name}"] == value
    assert launch.Topology(gpus_per_node=0).env()["NPROC_PER_NODE"] == "1"  # CPU: one process


def test_job_shape_from_slurm_variables():
    assert launch.job_nodes({}) == 1
    assert launch.job_nodes({"SLURM_JOB_NUM_NODES": "3"}) == 3
    assert launch.job_hosts({"SLURM_JOB_NODELIST": "node7,node3"}) == ["node7", "node3"]
    with pytest.raises(RuntimeError, match="SLURM_JOB_NODELIST"):
        launch.job_hosts({})


@pytest.mark.skipif(not shutil.which("scontrol"), reason="no scontrol (make slurm-packages installs it)")
def test_bracketed_node_lists_are_expanded_by_slurm(tmp_path, monkeypatch):
    (tmp_path / "slurm.conf").write_text("ClusterName=t\nSlurmctldHost=localhost\n")  # scontrol needs one
    monkeypatch.setenv("SLURM_CONF", str(tmp_path / "slurm.conf"))
    hosts = launch.job_hosts({"SLURM_JOB_NODELIST": "gpu[08-10],cpu1"})
    assert hosts == ["gpu08", "gpu09", "gpu10", "cpu1"]


def test_one_process_runs_in_place(monkeypatch):
    monkeypatch.delenv("SLURM_JOB_NUM_NODES", raising=False)
    monkeypatch.delenv("SLURM_NNODES", raising=False)
    monkeypatch.setattr(launch, "visible_gpus", lambda: 1)
    assert launch.run_distributed(["false"]) is False
    monkeypatch.setattr(launch, "visible_gpus", lambda: 8)
    monkeypatch.setenv("LOCAL_RANK", "3")  # already a torchrun worker
    assert launch.run_distributed(["false"]) is False


@pytest.fixture
def stand_in_srun(tmp_path):
    srun = tmp_path / "bin" / "srun"
    srun.parent.mkdir()
    srun.write_text(STAND_IN_SRUN.format(python=sys.executable, record=str(tmp_path / "srun.json")))
    srun.chmod(srun.stat().st_mode | stat.S_IEXEC)
    return srun


@pytest.mark.slow
def test_post_training_over_two_nodes(tmp_path, tiny_models, dataset, monkeypatch, capfd, stand_in_srun):  # noqa: F811
    """The Slurm multi-node path end to end with the real LLaMA-Factory launcher and torchrun (gloo on
    CPU): srun starts one launcher per node, each with its rank, meeting at the first host."""
    record = tmp_path / "srun.json"
    monkeypatch.setenv("PATH", f"{stand_in_srun.parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("SLURM_JOB_NUM_NODES", "2")
    monkeypatch.setenv("SLURM_JOB_NODELIST", "127.0.0.1,127.0.0.1")
    folder, _ = dataset
    post_train("qwen2_vl", tiny_models / "qwen2_vl", folder / "data.json", folder / "dataset_info.json",
               tmp_path / "out", tmp_path / "l.json", tmp_path / "l.png", TINY)  # fmt: skip
    called = json.loads(record.read_text())
    assert "--nodes=2" in called["flags"] and "--ntasks=2" in called["flags"] and "--overlap" in called["flags"]
    assert called["command"][1:8] == ["-m", "adamllm.training.launch", sys.executable, "-m", "torch.distributed.run",
                                      "-m", "adamllm.training.posttrain"]  # fmt: skip
    output = capfd.readouterr()
    assert "world size: 2" in output.out + output.err  # LLaMA-Factory in each worker saw both nodes
    assert (tmp_path / "out" / "config.json").exists() and json.loads((tmp_path / "l.json").read_text())


CPU_TUNING = {"max_steps": 2, "max_length": 2048, "per_device_batch_size": 1, "gradient_accumulation_steps": 1,
              "bf16": False, "deepspeed": None}  # fmt: skip


@pytest.mark.slow
def test_synthesizer_tuning_over_two_nodes(tmp_path, stand_in_srun, tiny_corpus):
    """The synthesizer re-launches itself under torchrun on each node; both ranks train one model."""
    from adamllm.core.errors import RecordPolicy
    from adamllm.core.io import write_json
    from adamllm.data.seed import join_seed
    from adamllm.data.trainset import build_trainset
    from adamllm.models.tiny_models import build_tiny_model

    seed = ROOT / "data_samples" / "seed"
    records, _ = join_seed(seed / "vflan_metadata.json", seed / "ALLaVA-Caption-VFLAN-4V.json",
                           seed / "ALLaVA-Instruct-VFLAN-4V.json", seed / "images", RecordPolicy())  # fmt: skip
    train, _, _ = build_trainset(records, str(ROOT / "data_samples" / "blank.jpg"), 0.1, 0.1, 42)
    write_json(tmp_path / "train.json", [{**s, "image": str(ROOT / s["image"])} for s in train[:4]])
    build_tiny_model("llava_next_synthesizer", tmp_path / "base", tiny_corpus, vocab_size=800)
    env = {**os.environ, "SLURM_JOB_NUM_NODES": "2", "SLURM_JOB_NODELIST": "127.0.0.1,127.0.0.1",
           "PATH": f"{stand_in_srun.parent}{os.pathsep}{os.environ['PATH']}"}  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-m", "adamllm.cli", "tune-synthesizer", str(tmp_path / "base"), str(tmp_path / "train.json"),
         "--checkpoint", str(tmp_path / "out"), "--loss", str(tmp_path / "loss.json"),
         "--loss-png", str(tmp_path / "loss.png"), "--tuning", json.dumps(CPU_TUNING)],
        env=env, capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert "training on 2 process(es)" in result.stderr
    launched = json.loads((tmp_path / "srun.json").read_text())["command"]
    assert launched[4:9] == ["-m", "torch.distributed.run", "-m", "adamllm.workflow.stages", "tune_synthesizer"]
    assert (tmp_path / "out" / "config.json").exists() and len(json.loads((tmp_path / "loss.json").read_text())) == 2


def test_a_worker_trains_the_vision_tower_whole_when_told(tmp_path, monkeypatch):
    """Each torchrun worker gets the tower's rate and whether it trains whole (``lora_vision: full``) on its
    command line, and passes both to the in-process training."""
    from adamllm.training import posttrain

    launched, trained = [], []
    monkeypatch.setattr(posttrain, "run_distributed", lambda command: launched.append(command) or True)
    monkeypatch.setattr(posttrain, "train_in_process", lambda args, rate, **kw: trained.append((args, rate, kw)))
    posttrain.run_llamafactory({"stage": "sft"}, tmp_path / "args.yaml", 2e-6, whole_tower=True)
    (command,) = launched
    worker = command[command.index("adamllm.training.posttrain") + 1 :]
    assert worker == [str(tmp_path / "args.yaml"), "--vision-learning-rate", "2e-06", "--whole-vision-tower"]
    posttrain.main(worker)
    posttrain.main([str(tmp_path / "args.yaml")])
    args = {"stage": "sft"}
    assert trained == [(args, 2e-6, {"whole_tower": True}), (args, None, {"whole_tower": False})]
