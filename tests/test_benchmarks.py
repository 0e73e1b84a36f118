"""The paper-scale benchmark runs end to end (at a small scale here) and prints its table.

Timings are the benchmark's business, not the test's: only the table's shape and the outputs are checked.
"""

import json
import re
import subprocess
import sys

import pytest
from conftest import ROOT

pytestmark = pytest.mark.slow


def test_paper_scale_benchmark_prints_every_step(tmp_path):
    result = subprocess.run(
        [sys.executable, "benchmarks/paper_scale.py", "--scale", "0.002", "--workdir", str(tmp_path / "bench")],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-4000:]
    rows = re.findall(r"^\| ([^|]+) \| ([^|]+) \| ([\d.]+) \| (\d+) \| ≤([\d.]+) \| (yes|no) \|$", result.stdout, re.M)
    steps = [row[0] for row in rows]
    assert steps[:6] == ["synthesizer set", "parse + pair (64 shard jobs, 2 at a time)", "filter-merge",
                         "format post-training data", "score Food101", "score Recipe1M"]  # fmt: skip
    assert steps[6:] == ["paper DAG dry-run", "no-op rerun"]
    tasks = (tmp_path / "bench" / "tasks.jsonl").read_text().splitlines()
    assert len(tasks) == 1000  # 0.2 % of 500K pairs, all merged from the 64 judged shards
    assert len(json.loads((tmp_path / "bench" / "posttrain.json").read_text())) == len(tasks)
