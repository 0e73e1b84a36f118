"""Time and peak memory of the CPU stages at paper scale, on generated inputs of the paper's sizes.

    .venv/bin/python benchmarks/paper_scale.py                  # 186K seed records, 500K pairs, 25,250 rows
    .venv/bin/python benchmarks/paper_scale.py --scale 0.01     # a quick look at 1 %

Each step runs in a fresh interpreter; wall seconds and its peak resident memory (ru_maxrss) are printed
as one table beside the targets (issue: ≤60 s per data stage at 500K, ≤5 s scoring, ≤10 s dry-run and
no-op rerun). Inputs are synthetic but in the workflow's own formats: seed records as prepare_seed
writes them, synthesizer continuations in the Llama-3 turn format (a mix that parses, pairs, or not),
judged shards as the consistency filter writes them, Food101 predictions as predict writes them.
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

from adamllm import stages
from adamllm.evaluation.scoring import score_file
from adamllm.synth_format import EOT, header

ROOT = Path(__file__).resolve().parents[1]
SHARDS = 64


def _turn(role: str, text: str) -> str:
    return f"{header(role)}{text}{EOT}"


def continuation(rng: random.Random, index: int) -> str:
    """A synthesizer continuation: a precise and an informative answer to one question (pairs), two
    unrelated questions (parses, no pair), or free text (does not parse)."""
    question = f"What structure is marked at site {index % 977}?"
    kind = rng.random()
    if kind < 0.15:
        return f"The image shows tissue number {index}."
    if kind < 0.35:
        other = "How many cells are there?"
        turns = [("Answer with a precise response.\n" + question, "nucleus"),
                 ("Answer with an informative response.\n" + other, "There are three cells.")]  # fmt: skip
    else:
        turns = [("Answer with a precise response.\n" + question, "nucleus"),
                 ("Answer with an informative response.\n" + question,
                  "The marked structure is a nucleus, stained dark by haematoxylin.")]  # fmt: skip
    text = turns[0][0] + EOT + _turn("assistant", turns[0][1])
    return text + "".join(_turn("user", q) + _turn("assistant", a) for q, a in turns[1:])


def generate_inputs(folder: Path, seed_records: int, pairs: int, food_rows: int) -> None:
    from adamllm.evaluation.tasks import food101_options
    from adamllm.io import write_json, write_jsonl

    rng = random.Random(0)
    tasks = [f"task_{i}" for i in range(191)]
    write_json(folder / "seed.json", [
        {"image": f"images/{tasks[i % 191]}/{i}.jpg", "task_name": tasks[i % 191],
         "caption": f"A photograph, number {i}, of a scene with several objects.",
         "precise": [[f"What is object {i}?", "a cup"]],
         "informative": [[f"What is object {i}?", "It is a white ceramic cup on a table."]]}
        for i in range(seed_records)
    ])  # fmt: skip
    per_shard = -(-pairs // SHARDS)
    for shard in range(SHARDS):
        ids = range(shard * per_shard, min(pairs, (shard + 1) * per_shard))
        write_jsonl(folder / "synthesized" / f"{shard + 1}-of-{SHARDS}.jsonl", (
            {"id": i, "image": f"images/{i}.jpg", "instruction": "<image>Describe the image.",
             "caption": f"Histology slide {i}: nuclei stained dark blue among pink cytoplasm.",
             "pred": continuation(rng, i)}
            for i in ids
        ))  # fmt: skip
    labels = list(food101_options().values())
    options = ", ".join(labels)
    write_jsonl(folder / "Food101.jsonl", (
        {"id": i, "image": f"food/{i}.jpg", "task": "Food101", "label": labels[i % len(labels)],
         "input": f"What type of food is shown in this image?\nOptions: {options}",
         "pred": labels[(i * 7) % len(labels)] if i % 3 else f"It looks like {labels[i % len(labels)]}."}
        for i in range(food_rows)
    ))  # fmt: skip


def judge_shards(folder: Path) -> None:
    """What the consistency filter writes for each parsed shard (its verdicts simulated: no model here)."""
    from adamllm.io import iter_jsonl, write_jsonl
    from adamllm.stats import StageStats

    for path in sorted((folder / "triplets").glob("*-of-*.jsonl")):
        rows = ({**row, "judgement": "Yes" if row["id"] % 4 else "No",
                 "consistent": row["triplet"] is not None and row["id"] % 4 != 0}
                for row in iter_jsonl(path))  # fmt: skip
        stats = StageStats("consistency_filter", items_in=write_jsonl(folder / "judged" / path.name, rows))
        stats.write(folder / "judged" / path.name.replace(".jsonl", ".stats.json"))


def synthesizer_set(f: Path) -> None:
    stages.build_synthesizer_set(f / "seed.json", ROOT / "data_samples/blank.jpg", f / "train.json", f / "dev.json",
                                 f / "set.stats.json", 0.1, 0.1, 42)  # fmt: skip


def parse_and_pair(f: Path) -> None:
    for shard in sorted((f / "synthesized").glob("*.jsonl")):
        stages.parse_and_pair(shard, f / "triplets" / shard.name, f / "triplets" / f"{shard.stem}.stats.json")


def filter_merge(f: Path) -> None:
    judged = f / "judged"
    stages.merge_shards(sorted(judged.glob("*.jsonl")), sorted(judged.glob("*.stats.json")),
                        f / "tasks.jsonl", f / "tasks.stats.json")  # fmt: skip


def format_posttrain(f: Path) -> None:
    stages.format_posttrain(f / "tasks.jsonl", f / "posttrain.json", f / "dataset_info.json", "bench")


def score_food101(f: Path) -> None:
    score_file("Food101", f / "Food101.jsonl")


STEPS = {
    "synthesizer set": synthesizer_set,
    "parse + pair (64 shards)": parse_and_pair,
    "filter-merge": filter_merge,
    "format post-training data": format_posttrain,
    "score Food101": score_food101,
}


def measured(command: list[str], cwd=ROOT) -> dict:
    """Wall seconds and peak RSS (MB) of one command in a fresh process tree."""
    wrapper = (
        "import resource, subprocess, sys, time; t = time.perf_counter(); "
        "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True); "
        "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.returncode); "
        "sys.stderr.write(r.stderr[-2000:] if r.returncode else '')"
    )
    result = subprocess.run([sys.executable, "-c", wrapper, *command], cwd=cwd, capture_output=True, text=True)
    seconds, peak_kb, code = result.stdout.split()
    if int(code) != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stderr}")
    return {"seconds": float(seconds), "peak_mb": int(peak_kb) / 1024}


def paper_workdir(folder: Path) -> Path:
    """A copy of the workflow (no results) for the dry-run and the no-op rerun at 64 shards."""
    work = folder / "workflow"
    if not work.exists():
        shutil.copytree(ROOT, work, ignore=shutil.ignore_patterns(
            ".venv*", "results", "resources", "logs", ".snakemake", ".git", "__pycache__", ".cache"))  # fmt: skip
    return work


def make_outputs_exist(work: Path, config: list[str]) -> int:
    """Create every output of the paper DAG (empty files; folders for paths without a suffix), then let
    Snakemake record them as made (--touch): the state after a finished paper run, for a no-op rerun."""
    snakemake = [sys.executable, "-m", "snakemake", *config]
    summary = subprocess.run([*snakemake, "--summary"], cwd=work, capture_output=True, text=True, check=True)
    outputs = [line.split("\t")[0] for line in summary.stdout.splitlines()[1:] if "\t" in line]
    for output in outputs:
        path = work / output
        if path.suffix:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch()
        else:
            path.mkdir(parents=True, exist_ok=True)
    subprocess.run([*snakemake, "--touch", "--cores", "1", "--quiet"], cwd=work, capture_output=True, check=True)
    return len(outputs)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the paper's sizes (default 1)")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/adamllm-paper-scale"))
    parser.add_argument("--step", help=argparse.SUPPRESS)  # internal: run one step in this process
    args = parser.parse_args(argv)
    if args.step:
        STEPS[args.step](args.workdir)
        return
    sizes = {"seed": round(186_000 * args.scale), "pairs": round(500_000 * args.scale),
             "food": round(25_250 * args.scale)}  # fmt: skip
    shutil.rmtree(args.workdir, ignore_errors=True)
    args.workdir.mkdir(parents=True)
    started = time.perf_counter()
    generate_inputs(args.workdir, sizes["seed"], sizes["pairs"], sizes["food"])
    print(f"inputs generated in {time.perf_counter() - started:.0f} s: {sizes} under {args.workdir}", file=sys.stderr)
    counts = {"synthesizer set": f"{sizes['seed']:,} seed records", "score Food101": f"{sizes['food']:,} rows"}
    rows = []
    for name in STEPS:
        if name.startswith("filter-merge"):
            judge_shards(args.workdir)
        result = measured([sys.executable, __file__, "--workdir", str(args.workdir), "--step", name])
        rows.append(
            (name, counts.get(name, f"{sizes['pairs']:,} pairs"), result, 5.0 if name.startswith("score") else 60.0)
        )
    work = paper_workdir(args.workdir)
    config = ["--configfile", "config/paper/biomed.yaml"]
    dry_run = [sys.executable, "-m", "snakemake", "-n", "--quiet", *config]
    rows.append(("paper DAG dry-run", "biomed, 64 shards", measured(dry_run, work), 10.0))
    outputs = make_outputs_exist(work, config)
    rerun = [sys.executable, "-m", "snakemake", "--cores", "1", "--quiet", *config]
    rows.append(("no-op rerun", f"{outputs} outputs up to date", measured(rerun, work), 10.0))
    print("\n| step | size | seconds | peak MB | target s | met |")
    print("|---|---|---:|---:|---:|---|")
    for name, size, result, target in rows:
        met = "yes" if result["seconds"] <= target else "no"
        print(f"| {name} | {size} | {result['seconds']:.1f} | {result['peak_mb']:.0f} | ≤{target:g} | {met} |")


if __name__ == "__main__":
    main()
