"""The demo cannot starve: under another tiny-model seed and another float-kernel set than the default demo's,
every domain still pairs at least 8 and keeps at least 6 of its 12 bundled pairs (README, "The demo's margin").

Runs benchmarks/demo_margin.py, which runs real Snakemake on a fresh copy of the workflow for each variation
(tuning, synthesis, parse and pair, checker warm-up, consistency filter), with the table it prints checked.
"""

import re
import subprocess
import sys

import pytest
from conftest import ROOT

pytestmark = pytest.mark.slow

ROW = re.compile(r"^\s*(\d+)\s+(\w+)\s+(\d+)\s+(\d+)/(\d+)\s+(\d+)/(\d+)\s+(\d+)/(\d+)\s+(\d+)/(\d+)\s+\d+$", re.M)


@pytest.mark.parametrize(("seed", "kernels", "threads"), [(1, "avx2", 2), (3, "default", 1)])
def test_demo_keeps_its_margin_under_another_seed_and_kernel_set(seed, kernels, threads):
    command = [sys.executable, "benchmarks/demo_margin.py", "--seeds", str(seed), "--kernels", kernels,
               "--threads", str(threads)]  # fmt: skip
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900)
    rows = ROW.findall(result.stdout)
    assert len(rows) == 1, result.stdout + result.stderr[-4000:]
    _seed, _kernels, _threads, *cells = rows[0]
    b_paired, b_pairs, b_kept, _, f_paired, f_pairs, f_kept, _ = map(int, cells)
    assert b_pairs == f_pairs == 12
    assert b_paired >= 8 and f_paired >= 8, result.stdout
    assert b_kept >= 6 and f_kept >= 6, result.stdout
    assert result.returncode == 0 and "every cell meets it" in result.stdout
