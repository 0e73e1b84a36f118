"""Time and peak memory of the CPU stages at paper scale, on generated inputs of the paper's sizes and lengths.

    .venv/bin/python benchmarks/paper_scale.py                  # 186K seed records, 500K pairs, paper test sets
    .venv/bin/python benchmarks/paper_scale.py --scale 0.01     # a quick look at 1 %

Each step runs in a fresh interpreter; wall seconds and its peak resident memory (ru_maxrss) are printed
as one table beside its target at paper scale and whether it is met: ≤15 s per data stage (streamed, so
memory stays flat), scoring a benchmark's paper test set ≤2 s (Food101's 25,250 rows ≤1 s), ≤10 s for the
paper DAG's dry-run and no-op rerun. Inputs are synthetic but in the workflow's own formats and of real
lengths: seed records as prepare_seed writes them; synthesizer continuations of the length the synthesizer
writes (about 400 tokens of Llama-3 turns: questions answered precisely and informatively, a mix that
pairs, parses without a pair, is cut by the token limit, or is free text); judged shards as the
consistency filter writes them; Food101 predictions and Recipe1M recipes (title, ingredients, numbered
steps: a few hundred words each side) as predict writes them.
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

from adamllm.data.synth_format import ANSWER_SEPARATOR, EOT, USER_HEADER, hinted_question
from adamllm.evaluation.scoring import score_file
from adamllm.workflow import stages

ROOT = Path(__file__).resolve().parents[1]
SHARDS = 64
CORES = 2  # the machine's cores, as `make demo` gives Snakemake: jobs of one stage run this many at a time


BIOMED_WORDS = (
    "the a of and in with at by from into shows showing stained section tissue cells cell nuclei nucleus "
    "cytoplasm membrane arrow arrows marked region panel image slide biopsy lesion tumor tumour mass cyst "
    "fibrous stroma epithelium epithelial gland glands vessel vessels blood necrosis inflammation infiltrate "
    "lymphocytes macrophages neutrophils haematoxylin eosin immunohistochemistry positive negative staining "
    "magnification scale bar left right upper lower central peripheral large small dense sparse irregular "
    "round oval elongated dark pale pink blue brown purple contrast enhanced ct mri scan axial coronal "
    "sagittal view chest abdomen liver lung kidney brain heart bone muscle skin wall thickening nodule "
    "opacity effusion fracture calcification hyperintense hypointense signal is are was were appears"
).split()
FOOD_WORDS = (
    "the a and with into of to in until over for about minutes heat oven pan bowl skillet pot baking sheet "
    "preheat mix stir whisk add combine pour bake cook simmer boil fry saute chop slice dice mince season "
    "serve sprinkle drain cover remove place spread fold beat melt transfer golden brown tender smooth "
    "flour sugar butter eggs milk salt pepper garlic onion olive oil water cream cheese chicken beef rice "
    "tomatoes lemon juice vanilla baking powder soda cinnamon parsley basil thyme carrots potatoes broth "
    "medium large small high low degrees warm hot cold fresh ground chopped sliced minced divided softened"
).split()
MEASURES = ("cup", "cups", "tablespoons", "teaspoon", "tsp.", "tbsp.", "ounces", "pound", "cloves", "pinch")


def _words(rng: random.Random, vocab: list[str], low: int, high: int) -> str:
    return " ".join(rng.choices(vocab, k=rng.randint(low, high)))


def _sentences(rng: random.Random, vocab: list[str], count: int, low: int, high: int) -> str:
    return " ".join(_words(rng, vocab, low, high).capitalize() + "." for _ in range(count))


def _question(rng: random.Random) -> str:
    return f"What {_words(rng, BIOMED_WORDS, 6, 14)}?"


def _answers(rng: random.Random) -> dict[str, str]:
    """A precise answer (a few words) and an informative one (a few sentences) to one question."""
    return {"precise": _words(rng, BIOMED_WORDS, 1, 5),
            "informative": _sentences(rng, BIOMED_WORDS, rng.randint(2, 4), 10, 18)}  # fmt: skip


def _render(turns: list[tuple[str, str]]) -> str:
    """Turns as the synthesizer writes them after its prompt (which ends in the user header), EOS removed."""
    return USER_HEADER.join(f"{question}{ANSWER_SEPARATOR}{answer}{EOT}" for question, answer in turns)


def continuation(rng: random.Random) -> str:
    """A synthesizer continuation of the length it really writes (about 400 tokens): two to four questions,
    each answered precisely and informatively (pairs), or each answer to a question of its own (parses, no
    pair); some cut by the token limit mid-turn; or free text (no turn)."""
    kind = rng.random()
    if kind < 0.1:
        return _sentences(rng, BIOMED_WORDS, 12, 12, 24)
    turns = []
    for _ in range(rng.randint(2, 4)):
        question, answers = _question(rng), _answers(rng)
        for style in rng.sample(["precise", "informative"], 2):
            asked = question if kind >= 0.3 else _question(rng)
            turns.append((hinted_question(style, asked), answers[style]))
    text = _render(turns)
    return text[: text.rindex(" ", 0, len(text) - rng.randint(20, 200))] if kind > 0.9 else text


def recipe(rng: random.Random) -> str:
    """A Recipe1M-like recipe (a few hundred words): title, ingredient list and numbered instruction steps."""
    title = _words(rng, FOOD_WORDS, 2, 5).title()
    ingredients = [f"{rng.randint(1, 4)} {rng.choice(MEASURES)} {_words(rng, FOOD_WORDS, 1, 4)}"
                   for _ in range(rng.randint(6, 14))]  # fmt: skip
    steps = [f"{i}. {_sentences(rng, FOOD_WORDS, rng.randint(1, 2), 8, 20)}" for i in range(1, rng.randint(7, 14))]
    return f"{title}\nIngredients:\n" + "\n".join(ingredients) + "\nInstructions:\n" + "\n".join(steps)


def generate_inputs(folder: Path, sizes: dict[str, int]) -> None:
    from adamllm.core.io import write_json, write_jsonl
    from adamllm.evaluation.tasks import food101_options

    rng = random.Random(0)
    tasks = [f"task_{i}" for i in range(191)]
    write_json(folder / "seed.json", [
        {"image": f"images/{tasks[i % 191]}/{i}.jpg", "task_name": tasks[i % 191],
         "caption": f"A photograph, number {i}, of a scene with several objects.",
         "precise": [[f"What is object {i}?", "a cup"]],
         "informative": [[f"What is object {i}?", "It is a white ceramic cup on a table."]]}
        for i in range(sizes["seed"])
    ])  # fmt: skip
    pairs = sizes["pairs"]
    per_shard = -(-pairs // SHARDS)
    for shard in range(SHARDS):
        ids = range(shard * per_shard, min(pairs, (shard + 1) * per_shard))
        write_jsonl(folder / "synthesized" / f"{shard + 1}-of-{SHARDS}.jsonl", (
            {"id": i, "image": f"images/{i}.jpg", "instruction": "<image>Describe the image.",
             "caption": _sentences(rng, BIOMED_WORDS, rng.randint(1, 4), 8, 20), "pred": continuation(rng)}
            for i in ids
        ))  # fmt: skip
    labels = list(food101_options().values())
    options = ", ".join(labels)
    write_jsonl(folder / "Food101.jsonl", (
        {"id": i, "image": f"food/{i}.jpg", "task": "Food101", "label": labels[i % len(labels)],
         "input": f"What type of food is shown in this image?\nOptions: {options}",
         "pred": labels[(i * 7) % len(labels)] if i % 3 else f"It looks like {labels[i % len(labels)]}."}
        for i in range(sizes["food"])
    ))  # fmt: skip
    write_jsonl(folder / "Recipe1M.jsonl", (
        {"id": i, "image": f"recipes/{i}.jpg", "task": "Recipe1M", "label": recipe(rng),
         "input": "Generate the recipe of the dish in this image.", "pred": recipe(rng)}
        for i in range(sizes["recipes"])
    ))  # fmt: skip


def judge_shards(folder: Path) -> None:
    """What the consistency filter writes for each parsed shard (its verdicts simulated: no model here)."""
    from adamllm.core.io import iter_jsonl, write_jsonl
    from adamllm.core.stats import StageStats

    for path in sorted((folder / "triplets").glob("*-of-*.jsonl")):
        rows = ({**row, "judgement": "Yes" if row["id"] % 4 else "No",
                 "consistent": row["triplet"] is not None and row["id"] % 4 != 0}
                for row in iter_jsonl(path))  # fmt: skip
        stats = StageStats("consistency_filter", items_in=write_jsonl(folder / "judged" / path.name, rows))
        stats.write(folder / "judged" / path.name.replace(".jsonl", ".stats.json"))


def synthesizer_set(f: Path) -> None:
    stages.synthesizer_set(f / "seed.json", ROOT / "data_samples/blank.jpg", f / "train.json", f / "dev.json",
                           f / "set.stats.json")  # fmt: skip


def parse_and_pair(f: Path) -> None:
    """One parse_and_pair job per shard, CORES at a time, as ``snakemake --cores CORES`` runs them."""
    from multiprocessing import Pool

    shards = sorted((f / "synthesized").glob("*.jsonl"))
    jobs = [(shard, f / "triplets" / shard.name, f / "triplets" / f"{shard.stem}.stats.json") for shard in shards]
    with Pool(CORES) as pool:
        pool.starmap(stages.parse_and_pair, jobs, chunksize=1)


def filter_merge(f: Path) -> None:
    judged = f / "judged"
    stages.merge_tasks(sorted(judged.glob("*.jsonl")), sorted(judged.glob("*.stats.json")),
                       f / "tasks.jsonl", f / "tasks.stats.json")  # fmt: skip


def posttrain_data(f: Path) -> None:
    stages.posttrain_data(f / "tasks.jsonl", f / "posttrain.json", f / "dataset_info.json", "bench")


def score_food101(f: Path) -> None:
    score_file("Food101", f / "Food101.jsonl")


def score_recipe1m(f: Path) -> None:
    score_file("Recipe1M", f / "Recipe1M.jsonl")


# name → (step, the input size it handles, target seconds at paper scale)
STEPS = {
    "synthesizer set": (synthesizer_set, "seed", 15.0),
    f"parse + pair (64 shard jobs, {CORES} at a time)": (parse_and_pair, "pairs", 15.0),
    "filter-merge": (filter_merge, "pairs", 15.0),
    "format post-training data": (posttrain_data, "pairs", 15.0),
    "score Food101": (score_food101, "food", 1.0),
    "score Recipe1M": (score_recipe1m, "recipes", 2.0),
}
PAPER_SIZES = {"seed": 186_000, "pairs": 500_000, "food": 25_250, "recipes": 1_000}
UNITS = {"seed": "seed records", "pairs": "pairs", "food": "rows", "recipes": "rows"}
DAG_TARGET_S = 10.0  # the paper DAG's dry-run and no-op rerun


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
        STEPS[args.step][0](args.workdir)
        return
    sizes = {key: max(1, round(size * args.scale)) for key, size in PAPER_SIZES.items()}
    shutil.rmtree(args.workdir, ignore_errors=True)
    args.workdir.mkdir(parents=True)
    started = time.perf_counter()
    generate_inputs(args.workdir, sizes)
    print(f"inputs generated in {time.perf_counter() - started:.0f} s: {sizes} under {args.workdir}", file=sys.stderr)
    rows = []
    for name, (_step, size, target) in STEPS.items():
        if name.startswith("filter-merge"):
            judge_shards(args.workdir)
        result = measured([sys.executable, __file__, "--workdir", str(args.workdir), "--step", name])
        rows.append((name, f"{sizes[size]:,} {UNITS[size]}", result, target))
    work = paper_workdir(args.workdir)
    config = ["--configfile", "config/paper/biomed.yaml"]
    dry_run = [sys.executable, "-m", "snakemake", "-n", "--quiet", *config]
    rows.append(("paper DAG dry-run", "biomed, 64 shards", measured(dry_run, work), DAG_TARGET_S))
    outputs = make_outputs_exist(work, config)
    rerun = [sys.executable, "-m", "snakemake", "--cores", "1", "--quiet", *config]
    rows.append(("no-op rerun", f"{outputs} outputs up to date", measured(rerun, work), DAG_TARGET_S))
    print("\n| step | size | seconds | peak MB | target s | met |")
    print("|---|---|---:|---:|---:|---|")
    for name, size, result, target in rows:
        met = "yes" if result["seconds"] <= target else "no"
        print(f"| {name} | {size} | {result['seconds']:.1f} | {result['peak_mb']:.0f} | ≤{target:g} | {met} |")


if __name__ == "__main__":
    main()
