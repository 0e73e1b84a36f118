"""Workflow stages: file in, file out. One function per Snakemake rule, of the rule's name; the rule's script
(adamllm.workflow.smk.run_stage) and the ``adamllm`` command (adamllm.cli, built from these signatures) both call it.

Each stage's parameters are named as its rule's inputs, outputs, params and wildcards; ``Output`` marks what
it writes; its docstring's ``Args:`` (or ``SHARED_HELP``) says what each means. Defaults are defined here once:
the config schema's defaults are tested against them.
"""

from __future__ import annotations

import functools
import inspect
import json
from pathlib import Path
from typing import Annotated, Literal

from tqdm import tqdm

from adamllm.core import provenance
from adamllm.core.errors import BadInputError, RecordPolicy, warn
from adamllm.core.io import concat_jsonl, read_json, write_json, write_json_list, write_jsonl
from adamllm.core.schemas import (
    JUDGED,
    POSTTRAIN_RECORD,
    SEED,
    SHARD,
    SYNTHESIZED,
    TRIPLETS,
    RecordCheck,
    read_records,
)
from adamllm.core.stats import StageStats, domain_counts, funnel, merge_stats
from adamllm.data import posttrain_data as recipes
from adamllm.data.pairs import TOO_LONG, load_pairs, split_shards
from adamllm.data.seed import join_seed
from adamllm.data.trainset import build_trainset
from adamllm.generation import consistency
from adamllm.generation.backends import Engine, Request
from adamllm.generation.progress import progress_key, run_chunked
from adamllm.generation.synthesis import (
    caption_length_check,
    pair_triplet,
    parse_qa_turns,
    prompt_length_problem,
    synthesis_request,
    synthesis_sampling,
)
from adamllm.training.launch import run_in_python

Output = Annotated[str, "output"]  # a file or folder the stage writes
Outputs = Annotated[list[str], "output"]
OnBadRecord = Literal["stop", "skip"]
DEFAULT_CHUNK_SIZE = 512  # items a long job finishes and keeps at a time: keeps a vLLM engine's batches full
# What the parameters many stages share mean; a stage's docstring describes the rest.
SHARED_HELP = {
    "on_bad_record": "stop at a bad record (naming file and record), or skip it and count it",
    "converted": "folder for 8-bit copies of high-bit-depth images",
    "allow_images_outside_dir": "accept image paths that leave image_dir (../, absolute)",
    "engine": "the generation engine",
    "chunk_size": "items finished and kept at a time",
    "double_bos": "start prompts with two <|begin_of_text|>, as the reference does",
    "definitions": "benchmark name → definition file, for benchmarks not bundled (JSON)",
}


def generating(stage):
    """A stage that runs a generation engine: where the engine names another interpreter (``python``, the
    one holding vLLM, say), the stage re-runs itself there (``python -m adamllm.workflow.stages``)."""
    signature = inspect.signature(stage)

    @functools.wraps(stage)
    def run(*args, **kwargs):
        arguments = signature.bind(*args, **kwargs).arguments
        engine = arguments["engine"] = Engine.of(arguments.get("engine"))
        if run_in_python(engine.python, stage.__name__, {**arguments, "engine": engine.here()}):
            return None
        return stage(**arguments)

    return run


# --- seed data and the synthesizer --------------------------------------------------------------------


def download_seed(
    hub: dict, visionflan_metadata: Output, allava_caption: Output, allava_instruct: Output, image_dir: Output
):
    """Fetch the seed files at pinned revisions from the Hugging Face hub and unpack the images.

    Args:
        hub: the config's ``seed.hub`` section (repositories, revisions, file names) as JSON
        visionflan_metadata: where to write VisionFLAN's metadata.json
        allava_caption: where to write ALLaVA's caption file
        allava_instruct: where to write ALLaVA's instruction file
        image_dir: where to unpack the seed images
    """
    from adamllm.models.hub import fetch_file, fetch_zip

    vflan, allava = hub["visionflan"], hub["allava"]
    fetch_file(vflan, vflan["metadata"], visionflan_metadata)
    fetch_file(allava, allava["caption"], allava_caption)
    fetch_file(allava, allava["instruct"], allava_instruct)
    fetch_zip(vflan, vflan["images_zip"], image_dir)


def prepare_seed(
    visionflan_metadata: str, allava_caption: str, allava_instruct: str, image_dir: str, seed: Output, stats: Output,
    on_bad_record: OnBadRecord = "stop", converted: Output | None = None, allow_images_outside_dir: bool = False,
):  # fmt: skip
    """Join the three seed files into one record per usable image.

    Args:
        visionflan_metadata: VisionFLAN metadata.json (precise QAs, task names)
        allava_caption: ALLaVA-Caption-VFLAN-4V.json (captions)
        allava_instruct: ALLaVA-Instruct-VFLAN-4V.json (informative QAs)
        image_dir: folder the records' image paths are relative to
        seed: where to write the joined records (JSON)
        stats: where to write the stage's counts (JSON)
    """
    if converted:
        Path(converted).mkdir(parents=True, exist_ok=True)
    records, counts = join_seed(
        visionflan_metadata, allava_caption, allava_instruct, image_dir, RecordPolicy(on_bad_record), converted,
        allow_images_outside_dir,
    )  # fmt: skip
    if not records:
        raise BadInputError(visionflan_metadata, _none_usable(counts, "seed image has a caption and both kinds of QA"))
    counts.record_sources(visionflan_metadata, allava_caption, allava_instruct, image_dir)
    write_json(seed, records)
    counts.write(stats)


def synthesizer_set(
    seed: str, blank_image: str, train: Output, dev: Output, stats: Output, blank_ratio: float = 0.1,
    dev_ratio: float = 0.1, random_seed: int = 42,
):  # fmt: skip
    """Build the synthesizer's train/dev sets from joined seed records (hints, shuffles, blank images, split).

    Args:
        seed: joined seed records (prepare_seed's output)
        blank_image: the white image that replaces some seed images
        train: where to write the training set
        dev: where to write the dev set
        stats: where to write the stage's counts (JSON)
        blank_ratio: share of samples per task whose image is blanked
        dev_ratio: share of samples per task held out
        random_seed: seed of the shuffles, blanks and split
    """
    records = list(read_records(seed, SEED))
    train_set, dev_set, per_task = build_trainset(records, str(blank_image), blank_ratio, dev_ratio, random_seed)
    if not train_set:
        raise BadInputError(seed, f"the synthesizer's training set would be empty: {len(records)} seed record(s), "
                                  f"{dev_ratio:.0%} of each task held out")  # fmt: skip
    write_json(train, train_set)
    write_json(dev, dev_set)
    write_json(stats, {"stage": "synthesizer_set", "train": len(train_set), "dev": len(dev_set), "per_task": per_task})


def tune_synthesizer(
    base: str, train: str, checkpoint: Output, loss: Output, loss_png: Output, tuning: dict | None = None,
    double_bos: bool = True, train_instructions: bool = True,
):  # fmt: skip
    """Fine-tune the synthesizer; the caption turn never enters the loss. Several GPUs or nodes: torchrun.

    Args:
        base: the model to start from: a folder or a hub id
        train: the synthesizer's training set (synthesizer_set's train)
        checkpoint: where to write the tuned synthesizer
        loss: where to write the loss curve (JSON)
        loss_png: where to draw the loss curve (PNG)
        tuning: TuningSettings fields as JSON (default: the paper's)
        train_instructions: also train the instruction turns after the caption
    """
    from adamllm.core.plots import write_loss_curve
    from adamllm.training.launch import run_distributed, torchrun
    from adamllm.training.tuning import TuningSettings
    from adamllm.training.tuning import tune_synthesizer as tune

    arguments = {k: v for k, v in locals().items() if k in inspect.signature(tune_synthesizer).parameters}
    if run_distributed(torchrun(["adamllm.workflow.stages", "tune_synthesizer", json.dumps(arguments, default=str)])):
        return
    log = tune(base, train, checkpoint, TuningSettings(**(tuning or {})), double_bos, train_instructions)
    if log:  # the main process of a distributed run
        write_loss_curve(log, loss, loss_png, "synthesizer tuning")


# --- synthesis and filtering --------------------------------------------------------------------------


def download_domain(hub: dict, pairs: Output, image_dir: Output):
    """Fetch a domain's image-caption pairs and image archive at a pinned revision.

    Args:
        hub: the domain's ``hub`` section (repository, revision, file names) as JSON
        pairs: where to write the image-caption pairs
        image_dir: where to unpack the images
    """
    from adamllm.models.hub import fetch_file, fetch_zip

    fetch_file(hub, hub["pairs_file"], pairs)
    fetch_zip(hub, hub["images_archive"], image_dir)


def shard_pairs(
    pairs: str, image_dir: str, shards: Outputs, stats: Output, on_bad_record: OnBadRecord = "stop",
    converted: Output | None = None, allow_images_outside_dir: bool = False, synthesizer: str | None = None,
    max_model_len: int | None = None, double_bos: bool = True,
):  # fmt: skip
    """Validate a domain's image-caption pairs and split them into one file per shard. With ``synthesizer`` and
    ``max_model_len``, a pair whose synthesis prompt would fill the context is a bad record here, not when its
    synthesis job runs.

    Args:
        pairs: image-caption pairs, a JSON list in LLaMA-Factory sharegpt format
        image_dir: folder the records' image paths are relative to
        shards: one output file per shard
        stats: where to write the stage's counts (JSON)
        synthesizer: the synthesizer (a folder or hub id) whose tokenizer counts each synthesis prompt
        max_model_len: the synthesis context in tokens
    """
    if converted:
        Path(converted).mkdir(parents=True, exist_ok=True)
    fits = caption_length_check(synthesizer, max_model_len, double_bos) if synthesizer and max_model_len else None
    valid, counts = load_pairs(pairs, image_dir, RecordPolicy(on_bad_record), converted, allow_images_outside_dir,
                               fits)  # fmt: skip
    if not valid:
        raise BadInputError(pairs, _none_usable(counts, "image-caption pair is usable"))
    counts.record_sources(pairs, image_dir)
    for path, shard in zip(shards, split_shards(valid, len(shards)), strict=True):
        write_jsonl(path, shard)
    counts.write(stats)


def _none_usable(counts: StageStats, what: str) -> str:
    """A stage's input left nothing for the next stage: how many records came in and why each was skipped."""
    skipped = "".join(f", {n} skipped: {reason}" for reason, n in sorted(counts.skipped.items()))
    return f"no {what}, nothing for the next stage: {counts.items_in} record(s) in{skipped}"


class _Lazy:
    """A generation engine started on first use: a resumed job whose chunks are all done starts none."""

    def __init__(self, engine: Engine, model, family: str):
        self.settings, self.model, self.family, self.engine = engine, model, family, None

    def __call__(self):
        if self.engine is None:
            self.engine = self.settings.load(self.model, self.family)
        return self.engine


@generating
def synthesize(
    shard: str, model: str, synthesized: Output, engine: Engine | None = None, max_new_tokens: int = 512,
    double_bos: bool = True, on_bad_record: OnBadRecord = "stop", chunk_size: int = DEFAULT_CHUNK_SIZE,
):  # fmt: skip
    """Run the synthesizer on each pair of a shard; keep its raw continuation in ``pred``. A pair whose prompt
    fills the engine's context is a bad record (skipped ones are kept with ``pred`` null and ``skipped``).
    Works in chunks kept in a progress store (adamllm.generation.progress): a killed job resumes where it stopped.

    Args:
        shard: a shard of validated pairs (JSONL, shard_pairs's output)
        model: the synthesizer: a folder or a hub id
        synthesized: where to write the continuations (JSONL)
        max_new_tokens: output limit per pair
    """
    items = list(read_records(shard, SHARD))
    lazy = _Lazy(engine, model, "llava_next_synthesizer")
    settings = {"stage": "synthesize", "engine": engine.here(), "max_new_tokens": max_new_tokens,
                "double_bos": double_bos, "on_bad_record": on_bad_record}  # fmt: skip
    policy = RecordPolicy(on_bad_record)

    def work(chunk):
        return _synthesized(chunk, lazy(), max_new_tokens, double_bos, engine.options, policy, shard)

    key = progress_key([shard, model], settings)
    name = f"synthesize {Path(shard).name}"
    run_chunked(items, work, synthesized, key, chunk_size, name, lambda rows: write_jsonl(synthesized, rows))


def _synthesized(items, engine, max_new_tokens, double_bos, options=None, policy=None, source="pairs") -> list[dict]:
    """Synthesis rows of ``items``: ``pred`` the continuation, or null and ``skipped`` for a prompt that
    fills the context (a bad record under ``policy``)."""
    policy = policy or RecordPolicy()
    sampling = synthesis_sampling(max_new_tokens)
    limit = (options or {}).get("max_model_len")
    requests, fitting = [], []
    for item in items:
        request = synthesis_request(item, double_bos, engine.image_token)
        problem = prompt_length_problem(engine.tokenizer, request.prompt, limit)
        if problem:
            policy.bad(source, problem, f"id {item['id']}", TOO_LONG)
        else:
            requests.append(request)
            fitting.append(item["id"])
    preds = dict(zip(fitting, engine.generate(requests, sampling), strict=True))
    return [{**item, "pred": preds[item["id"]]} if item["id"] in preds else {**item, "pred": None, "skipped": TOO_LONG}
            for item in items]  # fmt: skip


@generating
def synthesizer_effect(
    shards: list[str], tuned: list[str], base: str, effect: Output, max_pairs: int, engine: Engine | None = None,
    max_new_tokens: int = 512, double_bos: bool = True, chunk_size: int = DEFAULT_CHUNK_SIZE,
):  # fmt: skip
    """Parse and pair rates of the untuned base model and the tuned synthesizer on the same domain pairs
    (the base model's synthesis in chunks, as in :func:`synthesize`).

    Args:
        shards: the domain's shards of validated pairs
        tuned: the tuned synthesizer's continuations of those shards
        base: the untuned base model: a folder or a hub id
        effect: where to write both models' parse and pair rates (JSON)
        max_pairs: pairs compared (the first ones the tuned synthesizer did not skip)
        max_new_tokens: output limit per pair
    """
    tuned_rows = [row for path in tuned for row in read_records(path, SYNTHESIZED) if not row.get("skipped")]
    tuned_rows = tuned_rows[:max_pairs]
    ids = {row["id"] for row in tuned_rows}
    items = [item for shard in shards for item in read_records(shard, SHARD) if item["id"] in ids]
    lazy = _Lazy(engine, base, "llava_next_synthesizer")
    settings = {"stage": "synthesizer_effect", "engine": engine.here(), "max_new_tokens": max_new_tokens,
                "double_bos": double_bos, "ids": sorted(ids)}  # fmt: skip

    def rates(rows):
        turns = [parse_qa_turns(r["pred"]) for r in rows]
        parsed = sum(bool(t) for t in turns)
        paired = sum(pair_triplet(t) is not None for t in turns)
        return {"parsed": parsed, "paired": paired, "paired_share": paired / len(rows) if rows else None}

    def write(untuned_rows):
        write_json(effect, {"pairs": len(items), "untuned": rates(list(untuned_rows)), "tuned": rates(tuned_rows)})

    def work(chunk):
        return _synthesized(chunk, lazy(), max_new_tokens, double_bos, engine.options)

    key = progress_key([*shards, base], settings)
    run_chunked(items, work, effect, key, chunk_size, "synthesizer_effect (untuned base)", write)


def parse_and_pair(synthesized: str, triplets: Output, stats: Output):
    """Parse each continuation into QA turns and pair them into at most one triplet per image.

    Args:
        synthesized: synthesized continuations (JSONL, synthesize's output)
        triplets: where to write each item with its triplet (JSONL)
        stats: where to write the stage's counts (JSON)
    """
    counts = StageStats("parse_and_pair")

    def rows():
        records = RecordCheck(SYNTHESIZED).records(synthesized)
        for where, item in tqdm(records, desc="parse", unit="item", leave=False):
            if item.get("skipped"):  # a bad record the synthesis stage skipped
                counts.skipped[item["skipped"]] += 1
                continue
            if item["pred"] is None:
                raise BadInputError(synthesized, "'pred' is null but the item was not skipped", where)
            counts.items_in += 1
            turns = parse_qa_turns(item["pred"])
            triplet = pair_triplet(turns)
            counts.counts["parsed"] += bool(turns)
            counts.counts["turns"] += len(turns)
            counts.counts["paired"] += triplet is not None
            yield {**item, "triplet": triplet}

    counts.items_out = write_jsonl(triplets, rows())
    counts.write(stats)


CONTROL_TOKEN_REJECTED = "rejected: control token in synthesized text"


@generating
def consistency_filter(
    triplets: str, model: str, judged: Output, stats: Output, template: str | None = None,
    engine: Engine | None = None, max_new_tokens: int = 2, chunk_size: int = DEFAULT_CHUNK_SIZE,
):  # fmt: skip
    """Judge every triplet with the checker; ``consistent`` is true only for a 'yes'. A triplet holding a
    model's control token is rejected unasked. Works in chunks kept in a progress store.

    Args:
        triplets: parsed triplets (JSONL, parse_and_pair's output)
        model: the checker: a folder or a hub id
        judged: where to write each item with its judgement (JSONL)
        stats: where to write the stage's counts (JSON)
        template: consistency prompt template (default: the bundled one)
        max_new_tokens: tokens the checker may answer with
    """
    items = list(read_records(triplets, TRIPLETS))
    prompt_template = consistency.load_template(template)
    lazy = _Lazy(engine, model, "llama")
    settings = {"stage": "consistency_filter", "engine": engine.here(), "max_new_tokens": max_new_tokens,
                "template": prompt_template}  # fmt: skip

    def work(chunk):
        rows, asked = [], []
        for item in chunk:
            rejected = item["triplet"] is not None and consistency.triplet_problem(item["triplet"])
            rows.append({**item, "judgement": None, "consistent": False, **({"rejected": True} if rejected else {})})
            if item["triplet"] is not None and not rejected:
                asked.append(rows[-1])
        if asked:
            requests = [Request(consistency.render_prompt(prompt_template, row["triplet"])) for row in asked]
            outputs = lazy().generate(requests, consistency.checker_sampling(max_new_tokens))
            for row, output in zip(asked, outputs, strict=True):
                row.update(judgement=output, consistent=consistency.is_consistent(output))
        return rows

    def write(rows):
        counts = StageStats("consistency_filter", items_in=len(items))

        def counted():
            for row in rows:
                if row.get("rejected"):
                    counts.counts[CONTROL_TOKEN_REJECTED] += 1
                elif row["judgement"] is not None:
                    counts.counts[f"judged_{consistency.judge_label(row['judgement'])}"] += 1
                counts.items_out += row["consistent"]
                yield row

        write_jsonl(judged, counted())
        counts.write(stats)

    key = progress_key([triplets, model], settings)
    run_chunked(items, work, judged, key, chunk_size, f"consistency_filter {Path(triplets).name}", write)


MIN_KEPT_SHARE = 0.01  # a domain that keeps fewer of its pairs as tasks is warned about when its shards merge


def merge_tasks(judged: list[str], shard_stats: list[str], tasks: Output, stats: Output, pairs: str | None = None,
                parsed: list[str] | None = None):  # fmt: skip
    """Concatenate a domain's judged shards in shard order and add up their stats. A domain that keeps under
    1% of its pairs as tasks gets a warning with its counts through the data stages.

    Args:
        judged: the judged shards, in shard order (consistency_filter's outputs)
        shard_stats: their stats files
        tasks: where to write the domain's judged tasks (JSONL)
        stats: where to write the summed counts (JSON)
        pairs: shard_pairs's stats, for the warning's counts
        parsed: parse_and_pair's stats of every shard, likewise
    """
    concat_jsonl(tasks, judged, RecordCheck(JUDGED))  # ids unique across the shards, too
    merge_stats(shard_stats, "consistency_filter").write(stats)
    if pairs and parsed:
        counts = domain_counts(pairs, parsed, stats)
        if counts["kept_tasks"] < MIN_KEPT_SHARE * counts["pairs_valid"]:
            files = ", ".join([pairs, str(Path(parsed[0]).parent / "*.stats.json"), stats])
            warn(f"few tasks kept, under {MIN_KEPT_SHARE:.0%} of the pairs: {funnel(counts)}; read {files}")


# --- post-training ------------------------------------------------------------------------------------


def posttrain_data(
    tasks: str, data: Output, info: Output, dataset_name: str, recipe: Literal[recipes.DATA_RECIPES] = "single_stage",
    random_seed: int = 42, keep_caption_without_task: bool = True, seed: str | None = None, pairs: str | None = None,
    parsed: list[str] | None = None, judged: str | None = None, trained_by: list[str] | None = None,
):  # fmt: skip
    """Write the post-training data of one recipe (streamed) and its LLaMA-Factory ``dataset_info.json``.

    Data that holds no record stops the run here, with the domain's counts through the data stages, rather than
    inside a post-training job; unless no training recipe trains on it (``trained_by`` empty), when it is written
    empty with a warning.

    Args:
        tasks: judged tasks of a domain (JSONL, merge_tasks's output)
        data: where to write the post-training records (JSON)
        info: where to write the LLaMA-Factory dataset_info.json
        dataset_name: the dataset's name in dataset_info.json
        recipe: data recipe
        random_seed: seed of task order and phrasing
        keep_caption_without_task: keep the caption task of an image with no synthesized triplet
        seed: joined seed records (prepare_seed's output), for the general-data recipes
        pairs: shard_pairs's stats, for the counts an empty recipe is reported with
        parsed: parse_and_pair's stats of every shard, likewise
        judged: merge_tasks's stats, likewise
        trained_by: the training recipes that train on this data (default: assume one does)
    """
    if recipe not in recipes.DATA_RECIPES:
        raise ValueError(f"unknown data recipe {recipe!r}; known: {', '.join(recipes.DATA_RECIPES)}")
    domain_recipe = recipe
    if recipe in recipes.GENERAL_RECIPES:
        if seed is None:
            raise ValueError(f"recipe {recipe!r} needs the seed data")
        domain_recipe = recipes.GENERAL_RECIPES[recipe]

    def records():
        if recipe in recipes.GENERAL_RECIPES:
            yield from (recipes.general_record(r, i, random_seed) for i, r in enumerate(read_records(seed, SEED)))
        if domain_recipe is not None:
            chosen = recipes.RECIPES[domain_recipe]
            for item in tqdm(read_records(tasks, JUDGED), desc="format", unit="item", leave=False):
                record = recipes.format_record(item, chosen, random_seed, keep_caption_without_task)
                if record is not None:
                    yield record

    def nonempty(items):
        """The records; none at all stops before the file is in place (the atomic write is discarded)."""
        count = 0
        for count, item in enumerate(items, 1):  # noqa: B007 - the count is what is left after the loop
            yield item
        if count == 0 and trained_by != []:
            raise BadInputError(tasks, _empty_recipe(recipe, trained_by, pairs, parsed, judged))

    count = write_json_list(data, nonempty(records()))
    if count == 0:
        warn(_empty_recipe(recipe, trained_by, pairs, parsed, judged))
    write_json(info, recipes.dataset_info(dataset_name, Path(data).name))
    return count


def _empty_recipe(recipe, trained_by, pairs, parsed, judged) -> str:
    """Why a recipe's data is empty: the domain's counts through the data stages and where to read them."""
    users = f" ({', '.join(trained_by)} trains on it)" if trained_by else ""
    message = f"recipe {recipe} has no record to train on{users}"
    if pairs and parsed and judged:
        files = [pairs, str(Path(parsed[0]).parent / "*.stats.json"), judged]
        message += f": {funnel(domain_counts(pairs, parsed, judged))}; read {', '.join(files)}"
    return message


def data_summary(pairs: str, parsed: list[str], judged: str, posttrain: list[str], summary: Output):
    """One file with the item counts through the data stages: pairs → parsed → paired → judged → records.

    Args:
        pairs: shard_pairs's stats
        parsed: parse_and_pair's stats of every shard
        judged: merge_tasks's stats
        posttrain: the post-training data of each recipe
        summary: where to write the counts (JSON)
    """
    counts = domain_counts(pairs, parsed, judged)
    records = {Path(path).parent.name: sum(1 for _ in read_records(path, POSTTRAIN_RECORD)) for path in posttrain}
    write_json(summary, {**counts, "records": records})


def posttrain(
    family: str, base: str, data: str, info: str, checkpoint: Output, loss: Output, loss_png: Output,
    settings: dict | None = None, title: str | None = None,
):  # fmt: skip
    """Full fine-tune of a target model with LLaMA-Factory on one recipe's data.

    Args:
        family: the target's model family (adamllm.models.families)
        base: the model to start from: a folder or a hub id
        data: post-training data (posttrain_data's data)
        info: its LLaMA-Factory dataset_info.json (posttrain_data's info)
        checkpoint: where to write the trained model
        loss: where to write the loss curve (JSON)
        loss_png: where to draw the loss curve (PNG)
        settings: PostTrainSettings fields as JSON (default: the paper's)
        title: the loss plot's title
    """
    from adamllm.training.posttrain import post_train

    post_train(family, base, data, info, checkpoint, loss, loss_png, settings or {}, title=title)


# --- models of the demo -------------------------------------------------------------------------------


def build_tiny_model(family: str, corpus: list[str], model: Output, random_seed: int = 0, vocab_size: int = 2048):
    """Build a tiny random model of a family from local text (the demo's stand-in for a hub checkpoint).

    Args:
        family: the model family (adamllm.models.families)
        corpus: local text files the tokenizer is trained on
        model: where to write the model
        random_seed: seed of the weights
        vocab_size: the tokenizer's vocabulary
    """
    from adamllm.models.tiny_models import build_tiny_model as build

    build(family, model, corpus, seed=random_seed, vocab_size=vocab_size)


def warm_up_checker(base: str, seed: str, template: str, model: Output, loss: Output, max_steps: int = 120,
                    learning_rate: float = 2e-3):  # fmt: skip
    """Teach a tiny random checker to answer with a label (demo only).

    Args:
        base: the tiny random checker
        seed: joined seed records, the source of its consistency prompts
        template: the consistency prompt template
        model: where to write the warmed-up checker
        loss: where to write its loss curve (JSON)
        max_steps: training steps
        learning_rate: the learning rate
    """
    from adamllm.training.tuning import TuningSettings
    from adamllm.training.tuning import warm_up_checker as warm_up

    settings = TuningSettings(
        max_steps=max_steps, learning_rate=learning_rate, warmup_ratio=0.1, max_length=2048,
        per_device_batch_size=1, gradient_accumulation_steps=1, bf16=False, deepspeed=None,
    )  # fmt: skip
    records = list(read_records(seed, SEED))
    write_json(loss, warm_up(base, records, consistency.load_template(template), model, settings))


# --- evaluation ---------------------------------------------------------------------------------------


def fetch_benchmark(task: str, revision: str, rows: Output, definitions: dict | None = None):
    """Fetch a benchmark's test split from the hub at a pinned revision, as local rows and images.

    Args:
        task: the benchmark's name
        revision: the dataset repository's revision
        rows: where to write the rows (JSONL; images go to <rows' stem>_images)
    """
    from adamllm.evaluation.fetch import fetch_benchmark as fetch

    fetch(task, revision, rows, definitions)


@generating
def predict(
    model: str, family: str, predictions: Output, tasks: list[str], rows_files: dict, engine: Engine | None = None,
    max_new_tokens_cap: int | None = None, on_bad_record: OnBadRecord = "stop", chunk_size: int = DEFAULT_CHUNK_SIZE,
    definitions: dict | None = None,
):  # fmt: skip
    """Predictions of one model on the given benchmarks' rows: ``<predictions>/<task>.jsonl``. Works in chunks
    kept in a progress store beside ``predictions``: a killed job resumes where it stopped.

    Args:
        model: the model: a folder or a hub id
        family: its model family (adamllm.models.families)
        predictions: the folder to write one JSONL per benchmark into
        tasks: the benchmarks
        rows_files: benchmark → the JSONL file of its rows (JSON)
        max_new_tokens_cap: cap on every benchmark's answer limit
    """
    from adamllm.evaluation.predict import predict as run

    folder = Path(predictions)
    outs = [folder / f"{task}.jsonl" for task in tasks]
    skipped = run(model, family, tasks, outs, rows_files, engine, max_new_tokens_cap, on_bad_record, chunk_size,
                  definitions)  # fmt: skip
    settings = {
        "model": str(model), "family": family, "rows": dict(rows_files), "backend": engine.backend,
        "backend_options": engine.options, "max_new_tokens_cap": max_new_tokens_cap, "skipped_rows": skipped,
    }  # fmt: skip
    provenance.write_prediction_run(folder, settings)


def score_predictions(
    predictions: str, scores: Output, tasks: list[str], lineage: dict | None = None, config: dict | None = None,
    models: dict | None = None, definitions: dict | None = None,
):  # fmt: skip
    """Scores of each benchmark's predictions, with their 95% bootstrap intervals. ``<scores>/<task>.json``
    holds what ``adamllm score --intervals`` prints, with a provenance manifest when ``config`` is given
    (adamllm.core.provenance); ``<scores>/rows/<task>.json`` the per-row values behind it.

    Args:
        predictions: the folder of one model's predictions (predict's output)
        scores: the folder to write one score file per benchmark into
        tasks: the benchmarks
        lineage: role → files a manifest checksums (the model, rows, data, stats) (JSON)
        config: the config values on the scores' lineage, for the manifests (JSON)
        models: the model specs behind the scores, for the manifests (JSON)
    """
    from adamllm.evaluation.scoring import score_file_with_intervals

    folder = Path(predictions)
    if config is not None:  # digests and run facts shared by the tasks' manifests: computed once
        shared = provenance.inputs_digests(lineage or {})
        sources = {path: sha for stats in (lineage or {}).get("stats", []) for path, sha in
                   read_json(stats).get("sources", {}).items()}  # fmt: skip
        if sources:  # what the data stages read: seed files, the domain's pairs and images
            shared["sources"] = dict(sorted(sources.items()))
        record = provenance.run_record(config, models or {}, folder)
    scored = {task: score_file_with_intervals(task, folder / f"{task}.jsonl", definitions) for task in tasks}
    for task, (score, per_row) in scored.items():  # written once every benchmark scored
        rows = folder / f"{task}.jsonl"
        out = Path(scores) / f"{task}.json"
        write_json(Path(scores) / "rows" / f"{task}.json", per_row)
        write_json(out, score)
        if config is not None:
            digests = {**shared, "predictions": {str(rows): provenance.file_digest(rows)}}
            provenance.write_manifest(out, digests, record)


def report(
    domain: str, models: list, columns: list, csv: Output, markdown: Output, radar: Output, overview: Output,
    stats: str | None = None, synthesizer_loss: str | None = None, synthesizer_effect: str | None = None,
    tasks: str | None = None,
):  # fmt: skip
    """The domain's table beside the paper's numbers, its radar chart, and its overview for the report's
    first page (with the stage counts, the synthesizer's loss and effect and example tasks, where given).

    Args:
        domain: the domain
        models: each evaluated model: target, family, variant and its scores folder (JSON)
        columns: (benchmark, score key, title) of each column, from the benchmark definitions (JSON)
        csv: where to write the table (CSV)
        markdown: where to write the table (Markdown)
        radar: where to draw the radar chart (PNG)
        overview: where to write the overview page (HTML)
        stats: data_summary's counts
        synthesizer_loss: the synthesizer's loss curve (JSON)
        synthesizer_effect: synthesizer_effect's rates
        tasks: the domain's judged tasks, for examples
    """
    from adamllm.evaluation.report import collect, write_overview, write_radar, write_tables

    columns = [tuple(column) for column in columns]
    rows = collect(domain, models, columns)
    write_tables(columns, rows, csv, markdown, domain)
    write_radar(domain, columns, rows, radar)
    write_overview(domain, columns, rows, overview, stats, synthesizer_loss, synthesizer_effect, tasks, radar)


STAGES = {
    stage.__name__: stage
    for stage in (
        download_seed, prepare_seed, synthesizer_set, tune_synthesizer, download_domain, shard_pairs, synthesize,
        synthesizer_effect, parse_and_pair, consistency_filter, merge_tasks, posttrain_data, data_summary, posttrain,
        build_tiny_model, warm_up_checker, fetch_benchmark, predict, score_predictions, report,
    )
}  # fmt: skip


def main(argv=None) -> int:
    """``python -m adamllm.workflow.stages NAME KWARGS_JSON``: run one stage with keyword arguments given as JSON, the
    way a stage re-runs itself in another interpreter (the one holding vLLM, or a torchrun worker)."""
    import sys

    name, kwargs = argv or sys.argv[1:]
    try:
        STAGES[name](**json.loads(kwargs))
    except BadInputError as err:
        print(f"adamllm: bad input: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
