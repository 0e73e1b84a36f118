"""A run that starves says why, early (issue: the demo and the test suite pass on any machine, item 3).

A recipe whose training data would be empty stops in posttrain_data, through the real ``adamllm`` command, with
one line naming the recipe, the counts through the data stages (pairs → parsed → paired → kept) and the stats
files to read; and a domain that keeps under 1% of its pairs is warned about when its shards are merged. The
stats files are written here in the stages' format (adamllm.core.stats.StageStats); the counts are chosen so that
each number in the message has one source.
"""

import json
import subprocess
import sys

import pytest

ADAMLLM = [sys.executable, "-m", "adamllm.cli"]


def stage_stats(path, stage, items_in, items_out, **counts):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"stage": stage, "in": items_in, "out": items_out, "counts": counts, "skipped": {}}))
    return str(path)


def judged_task(index, consistent):
    triplet = {"Q": f"Question {index}?", "precise_A": "no", "informative_A": "No, it only shows a plate."}
    return {"id": index, "image": f"images/{index}.jpg", "instruction": "<image>Describe the image.",
            "caption": f"Caption {index}.", "pred": "…", "triplet": triplet,
            "judgement": " Yes" if consistent else " No", "consistent": consistent}  # fmt: skip


@pytest.fixture
def domain(tmp_path):
    """A domain of 200 valid pairs (3 skipped), 150 + 40 parsed over two shards, 5 + 2 paired, none kept."""
    results = tmp_path / "results" / "food"
    tasks = results / "tasks.jsonl"
    tasks.parent.mkdir(parents=True)
    tasks.write_text("".join(json.dumps(judged_task(i, False)) + "\n" for i in range(7)))
    return {
        "results": results,
        "tasks": str(tasks),
        "pairs": stage_stats(results / "pairs.stats.json", "shard_pairs", 203, 200),
        "parsed": [
            stage_stats(results / "triplets" / "1-of-2.stats.json", "parse_and_pair", 100, 100, parsed=150, paired=5),
            stage_stats(results / "triplets" / "2-of-2.stats.json", "parse_and_pair", 100, 100, parsed=40, paired=2),
        ],  # fmt: skip
        "judged": stage_stats(results / "tasks.stats.json", "consistency_filter", 7, 0, judged_no=7),
    }


def adamllm(*args):
    return subprocess.run([*ADAMLLM, *args], capture_output=True, text=True)


def posttrain_data(domain, recipe, out, *extra):
    return adamllm("posttrain-data", domain["tasks"], f"adamllm_food_{recipe}", "--recipe", recipe,
                   "--data", str(out / "data.json"), "--info", str(out / "dataset_info.json"),
                   "--pairs", domain["pairs"], "--parsed", *domain["parsed"], "--judged", domain["judged"],
                   *extra)  # fmt: skip


def test_an_empty_recipe_stops_in_posttrain_data_with_the_counts_upstream(domain, tmp_path):
    out = tmp_path / "results" / "food" / "posttrain_data" / "synthetic_only"
    inputs_before = {p: p.read_bytes() for p in domain["results"].rglob("*") if p.is_file()}
    result = posttrain_data(domain, "synthetic_only", out, "--trained-by", "two_stage")
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.startswith("adamllm")]  # beside tqdm's bar
    assert len(lines) == 1 and "Traceback" not in result.stderr
    line = lines[0]
    assert line.startswith("adamllm: bad input: ") and domain["tasks"] in line
    assert "recipe synthetic_only has no record to train on (two_stage trains on it)" in line
    assert "200 pairs → 190 parsed → 7 paired → 0 kept" in line
    for stats in (domain["pairs"], str(domain["results"] / "triplets" / "*.stats.json"), domain["judged"]):
        assert stats in line
    assert not out.exists() or not any(out.iterdir())  # no data, no dataset_info, no temporary file
    assert {p: p.read_bytes() for p in domain["results"].rglob("*") if p.is_file()} == inputs_before


def test_a_recipe_with_records_is_written(domain, tmp_path):
    """The same domain's caption tasks are there: single_stage has one record per judged item."""
    out = tmp_path / "single_stage"
    result = posttrain_data(domain, "single_stage", out, "--trained-by", "single_stage")
    assert result.returncode == 0, result.stderr
    assert len(json.loads((out / "data.json").read_text())) == 7


def test_an_empty_recipe_no_training_uses_is_written_with_a_warning(domain, tmp_path):
    """From Snakemake, ``trained_by: []`` says no configured training recipe reads it (an ablation's data)."""
    from adamllm.workflow.stages import posttrain_data as stage

    out = tmp_path / "synthetic_only"
    stage(domain["tasks"], str(out / "data.json"), str(out / "dataset_info.json"), "adamllm_food_synthetic_only",
          recipe="synthetic_only", pairs=domain["pairs"], parsed=domain["parsed"], judged=domain["judged"],
          trained_by=[])  # fmt: skip
    assert json.loads((out / "data.json").read_text()) == []
    assert (out / "dataset_info.json").is_file()


def test_merging_shards_that_keep_under_one_percent_warns_with_the_counts(domain, tmp_path):
    judged = []
    for index in (1, 2):
        path = tmp_path / "judged" / f"{index}-of-2.jsonl"
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(judged_task(index, False)) + "\n")
        judged.append(str(path))
    shard_stats = [stage_stats(tmp_path / "judged" / f"{i}-of-2.stats.json", "consistency_filter", 1, 0, judged_no=1)
                   for i in (1, 2)]  # fmt: skip
    stats = tmp_path / "merged" / "tasks.stats.json"
    result = adamllm("merge-tasks", "--judged", *judged, "--shard-stats", *shard_stats,
                     "--tasks", str(tmp_path / "merged" / "tasks.jsonl"), "--stats", str(stats),
                     "--pairs", domain["pairs"], "--parsed", *domain["parsed"])  # fmt: skip
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("adamllm: warning:")]
    assert len(warnings) == 1
    assert "under 1% of the pairs: 200 pairs → 190 parsed → 7 paired → 0 kept" in warnings[0]
    assert str(stats) in warnings[0]


def test_merging_shards_that_keep_enough_says_nothing(domain, tmp_path):
    path = tmp_path / "judged.jsonl"
    path.write_text("".join(json.dumps(judged_task(i, True)) + "\n" for i in range(2)))
    shard = stage_stats(tmp_path / "judged.stats.json", "consistency_filter", 2, 2, judged_yes=2)
    result = adamllm("merge-tasks", "--judged", str(path), "--shard-stats", shard,
                     "--tasks", str(tmp_path / "tasks.jsonl"), "--stats", str(tmp_path / "tasks.stats.json"),
                     "--pairs", domain["pairs"], "--parsed", *domain["parsed"])  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr  # 2 of 200 pairs is 1%: not under it
