"""Workflow stages: file in, file out. Snakemake scripts and the CLI both call these functions."""

from __future__ import annotations

from pathlib import Path

from tqdm import tqdm

from adamllm import consistency, posttrain_data, provenance
from adamllm.backends import Request, Sampling, load_backend
from adamllm.errors import BadInputError, RecordPolicy
from adamllm.io import iter_jsonl, read_json, read_jsonl, write_json, write_json_list, write_jsonl
from adamllm.launch import run_in_python
from adamllm.pairs import load_pairs, split_shards
from adamllm.progress import progress_key, run_chunked
from adamllm.seed import join_seed
from adamllm.stats import StageStats, merge_stats
from adamllm.synthesis import pair_triplet, parse_qa_turns, synthesis_request, synthesis_sampling
from adamllm.trainset import build_trainset


def _args(frame_locals: dict) -> dict:
    """A stage's own arguments, to run it again elsewhere (``python`` dropped so it is not relaunched)."""
    return {k: (str(v) if isinstance(v, Path) else v) for k, v in frame_locals.items() if k != "python"}


def prepare_seed(visionflan_metadata, allava_caption, allava_instruct, image_dir, out, stats_out, on_bad_record="stop",
                 converted_dir=None, allow_images_outside_dir=False):  # fmt: skip
    """Join the three seed files into one record per usable image (high-bit-depth images as 8-bit copies in
    ``converted_dir``)."""
    if converted_dir:
        Path(converted_dir).mkdir(parents=True, exist_ok=True)
    records, stats = join_seed(
        visionflan_metadata, allava_caption, allava_instruct, image_dir, RecordPolicy(on_bad_record), converted_dir,
        allow_images_outside_dir,
    )  # fmt: skip
    stats.record_sources(visionflan_metadata, allava_caption, allava_instruct, image_dir)
    write_json(out, records)
    stats.write(stats_out)


def build_synthesizer_set(seed, blank_image, train_out, dev_out, stats_out, blank_ratio, dev_ratio, seed_value):
    """The synthesizer's train/dev sets from joined seed records."""
    train, dev, per_task = build_trainset(read_json(seed), str(blank_image), blank_ratio, dev_ratio, seed_value)
    write_json(train_out, train)
    write_json(dev_out, dev)
    write_json(stats_out, {"stage": "synthesizer_set", "train": len(train), "dev": len(dev), "per_task": per_task})


def shard_pairs(pairs_file, image_dir, shard_outs, stats_out, on_bad_record="stop", converted_dir=None,
                allow_images_outside_dir=False):  # fmt: skip
    """Validate the domain's image-caption pairs and split them into ``len(shard_outs)`` shards
    (high-bit-depth images as 8-bit copies in ``converted_dir``)."""
    if converted_dir:
        Path(converted_dir).mkdir(parents=True, exist_ok=True)
    policy = RecordPolicy(on_bad_record)
    pairs, stats = load_pairs(pairs_file, image_dir, policy, converted_dir, allow_images_outside_dir)
    stats.record_sources(pairs_file, image_dir)
    for path, shard in zip(shard_outs, split_shards(pairs, len(shard_outs)), strict=True):
        write_jsonl(path, shard)
    stats.write(stats_out)


DEFAULT_BACKEND = "vllm"  # the paper's engine; `transformers` runs anywhere
DEFAULT_CHUNK_SIZE = 512  # items a long job finishes and keeps at a time: keeps a vLLM engine's batches full


class _Lazy:
    """A generation engine started on first use: a resumed job whose chunks are all done starts none."""

    def __init__(self, *args, **options):
        self.args, self.options, self.engine = args, options, None

    def __call__(self):
        if self.engine is None:
            self.engine = load_backend(*self.args, **self.options)
        return self.engine


def synthesize(
    shard, model, out, backend=DEFAULT_BACKEND, max_new_tokens=512, double_bos=True, backend_options=None, python=None,
    on_bad_record="stop", chunk_size=DEFAULT_CHUNK_SIZE,
):  # fmt: skip
    """Run the synthesizer on each pair of a shard; keep its raw continuation in ``pred``. A pair whose prompt
    fills the engine's context is a bad record (skipped ones are kept with ``pred`` null and ``skipped``).
    Works in chunks kept in a progress store (adamllm.progress): a killed job resumes where it stopped."""
    if run_in_python(python, "synthesize", _args(locals())):
        return
    items = read_jsonl(shard)
    engine = _Lazy(backend, str(model), "llava_next_synthesizer", **(backend_options or {}))
    settings = {"stage": "synthesize", "backend": backend, "options": backend_options, "max_new_tokens": max_new_tokens,
                "double_bos": double_bos, "on_bad_record": on_bad_record}  # fmt: skip
    key = progress_key([shard, model], settings)
    policy = RecordPolicy(on_bad_record)

    def work(chunk):
        return _synthesized(chunk, engine(), max_new_tokens, double_bos, backend_options, policy, shard)

    name = f"synthesize {Path(shard).name}"
    run_chunked(items, work, out, key, chunk_size, name, lambda rows: write_jsonl(out, rows))


TOO_LONG = "caption longer than the context"


def _synthesized(items, engine, max_new_tokens, double_bos, backend_options=None, policy=None,
                 source="pairs") -> list[dict]:  # fmt: skip
    """Synthesis rows of ``items``: ``pred`` the continuation, or null and ``skipped`` for a prompt that
    fills the context (a bad record under ``policy``)."""
    policy = policy or RecordPolicy()
    sampling = synthesis_sampling(max_new_tokens)
    limit = (backend_options or {}).get("max_model_len")
    requests, fitting = [], []
    for item in items:
        request = synthesis_request(item, double_bos, engine.image_token)
        length = len(engine.tokenizer(request.prompt, add_special_tokens=False)["input_ids"]) if limit else 0
        if limit and length >= limit:
            message = f"synthesis prompt of {length} tokens (mostly its caption) fills the {limit}-token context"
            policy.bad(source, message, f"id {item['id']}", TOO_LONG)
        else:
            requests.append(request)
            fitting.append(item["id"])
    preds = dict(zip(fitting, engine.generate(requests, sampling), strict=True))
    return [{**item, "pred": preds[item["id"]]} if item["id"] in preds else {**item, "pred": None, "skipped": TOO_LONG}
            for item in items]  # fmt: skip


def synthesizer_effect(
    shards, tuned, base_model, out, max_pairs, backend=DEFAULT_BACKEND, max_new_tokens=512, double_bos=True,
    backend_options=None, python=None, chunk_size=DEFAULT_CHUNK_SIZE,
):  # fmt: skip
    """Parse and pair rates of the untuned base model and the tuned synthesizer on the same domain pairs
    (the base model's synthesis in chunks, as in :func:`synthesize`)."""
    if run_in_python(python, "synthesizer_effect", _args(locals())):
        return
    tuned_rows = [row for path in tuned for row in read_jsonl(path) if not row.get("skipped")][:max_pairs]
    ids = {row["id"] for row in tuned_rows}
    items = [item for shard in shards for item in read_jsonl(shard) if item["id"] in ids]
    engine = _Lazy(backend, str(base_model), "llava_next_synthesizer", **(backend_options or {}))
    settings = {"stage": "synthesizer_effect", "backend": backend, "options": backend_options,
                "max_new_tokens": max_new_tokens, "double_bos": double_bos, "ids": sorted(ids)}  # fmt: skip
    key = progress_key([*shards, base_model], settings)

    def rates(rows):
        turns = [parse_qa_turns(r["pred"]) for r in rows]
        parsed = sum(bool(t) for t in turns)
        paired = sum(pair_triplet(t) is not None for t in turns)
        return {"parsed": parsed, "paired": paired, "paired_share": paired / len(rows) if rows else None}

    def write(untuned_rows):
        summary = {"pairs": len(items), "untuned": rates(list(untuned_rows)), "tuned": rates(tuned_rows)}
        write_json(out, summary)

    def work(chunk):
        return _synthesized(chunk, engine(), max_new_tokens, double_bos, backend_options)

    run_chunked(items, work, out, key, chunk_size, "synthesizer_effect (untuned base)", write)


def parse_and_pair(synthesized, out, stats_out):
    """Parse each continuation into QA turns and pair them into at most one triplet per image."""
    stats = StageStats("parse_and_pair")

    def rows():
        for line, item in enumerate(tqdm(iter_jsonl(synthesized), desc="parse", unit="item", leave=False), start=1):
            if item.get("skipped"):  # a bad record the synthesis stage skipped
                stats.skipped[item["skipped"]] += 1
                continue
            if not isinstance(item.get("pred"), str):
                raise BadInputError(
                    synthesized, "needs 'pred', the synthesizer's continuation (a string)", f"at line {line}"
                )
            stats.items_in += 1
            turns = parse_qa_turns(item["pred"])
            triplet = pair_triplet(turns)
            stats.counts["parsed"] += bool(turns)
            stats.counts["turns"] += len(turns)
            stats.counts["paired"] += triplet is not None
            yield {**item, "triplet": triplet}

    stats.items_out = write_jsonl(out, rows())
    stats.write(stats_out)


CONTROL_TOKEN_REJECTED = "rejected: control token in synthesized text"


def consistency_filter(
    triplets, model, out, stats_out, template=None, backend=DEFAULT_BACKEND, max_new_tokens=2, backend_options=None,
    python=None, chunk_size=DEFAULT_CHUNK_SIZE,
):  # fmt: skip
    """Judge every triplet with the checker; ``consistent`` is true only for a 'yes'. A triplet holding a
    model's control token is rejected unasked. Works in chunks kept in a progress store."""
    if run_in_python(python, "consistency_filter", _args(locals())):
        return
    items = read_jsonl(triplets)
    for line, item in enumerate(items, start=1):
        if "triplet" not in item or not (item["triplet"] is None or isinstance(item["triplet"], dict)):
            raise BadInputError(
                triplets, "needs 'triplet' (an object, or null when none was paired)", f"at line {line}"
            )
    prompt_template = consistency.load_template(template)
    engine = _Lazy(backend, str(model), "llama", **(backend_options or {}))
    settings = {"stage": "consistency_filter", "backend": backend, "options": backend_options,
                "max_new_tokens": max_new_tokens, "template": prompt_template}  # fmt: skip
    key = progress_key([triplets, model], settings)

    def work(chunk):
        rows, judged = [], []
        for item in chunk:
            rejected = item["triplet"] is not None and consistency.triplet_problem(item["triplet"])
            rows.append({**item, "judgement": None, "consistent": False, **({"rejected": True} if rejected else {})})
            if item["triplet"] is not None and not rejected:
                judged.append(rows[-1])
        if judged:
            requests = [Request(consistency.render_prompt(prompt_template, row["triplet"])) for row in judged]
            outputs = engine().generate(requests, consistency.checker_sampling(max_new_tokens))
            for row, output in zip(judged, outputs, strict=True):
                row.update(judgement=output, consistent=consistency.is_consistent(output))
        return rows

    def write(rows):
        stats = StageStats("consistency_filter", items_in=len(items))

        def counted():
            for row in rows:
                if row.get("rejected"):
                    stats.counts[CONTROL_TOKEN_REJECTED] += 1
                elif row["judgement"] is not None:
                    stats.counts[f"judged_{consistency.judge_label(row['judgement'])}"] += 1
                stats.items_out += row["consistent"]
                yield row

        write_jsonl(out, counted())
        stats.write(stats_out)

    run_chunked(items, work, out, key, chunk_size, f"consistency_filter {Path(triplets).name}", write)


def merge_shards(shards, stats_files, out, stats_out):
    """Concatenate the judged shards in shard order and add up their stats."""
    write_jsonl(out, (row for shard in shards for row in iter_jsonl(shard)))
    merge_stats(stats_files, "consistency_filter").write(stats_out)


def format_posttrain(
    tasks, out, info_out, dataset_name, recipe="single_stage", seed=42, keep_caption_without_task=True, seed_data=None
):
    """Write the post-training data of one recipe (streamed) and its LLaMA-Factory ``dataset_info.json``."""
    if recipe not in posttrain_data.DATA_RECIPES:
        raise ValueError(f"unknown data recipe {recipe!r}; known: {', '.join(posttrain_data.DATA_RECIPES)}")
    domain_recipe = recipe
    if recipe in posttrain_data.GENERAL_RECIPES:
        if seed_data is None:
            raise ValueError(f"recipe {recipe!r} needs the seed data")
        domain_recipe = posttrain_data.GENERAL_RECIPES[recipe]

    def records():
        if recipe in posttrain_data.GENERAL_RECIPES:
            yield from (posttrain_data.general_record(r, i, seed) for i, r in enumerate(read_json(seed_data)))
        if domain_recipe is not None:
            chosen = posttrain_data.RECIPES[domain_recipe]
            for item in tqdm(iter_jsonl(tasks), desc="format", unit="item", leave=False):
                record = posttrain_data.format_record(item, chosen, seed, keep_caption_without_task)
                if record is not None:
                    yield record

    count = write_json_list(out, records())
    write_json(info_out, posttrain_data.dataset_info(dataset_name, Path(out).name))
    return count


def summarize(pairs_stats, parse_stats, filter_stats, posttrain_files, out):
    """One file with the item counts through the data stages: pairs → parsed → paired → judged → records."""
    pairs, judged = read_json(pairs_stats), read_json(filter_stats)
    parsed = merge_stats(parse_stats, "parse_and_pair")
    write_json(
        out,
        {
            "pairs_in": pairs["in"],
            "pairs_valid": pairs["out"],
            "pairs_skipped": pairs["skipped"],
            "parsed": parsed.counts["parsed"],
            "paired": parsed.counts["paired"],
            "judged": {label: judged["counts"].get(f"judged_{label}", 0) for label in ("yes", "no", "open", "other")},
            "kept_tasks": judged["out"],
            "records": {Path(path).parent.name: len(read_json(path)) for path in posttrain_files},
        },
    )


def post_train(family, base, data, info, out, loss_json, loss_png, settings: dict, title=None):
    """Full fine-tune of a target model with LLaMA-Factory on one recipe's data."""
    from adamllm.posttrain import post_train as train

    train(family, base, data, info, out, loss_json, loss_png, settings, title=title)


def build_tiny(family, out, corpus, seed=0, vocab_size=2048):
    """Build a tiny random model of a family (see adamllm.tiny_models)."""
    from adamllm.tiny_models import build_tiny_model

    build_tiny_model(family, out, corpus, seed=seed, vocab_size=vocab_size)


def tune_synthesizer(base, train, out, loss_out, loss_png, tuning: dict, double_bos=True, train_instructions=True):
    """Fine-tune the synthesizer; the caption turn never enters the loss. Several GPUs or nodes: torchrun."""
    import json

    from adamllm.launch import run_distributed, torchrun
    from adamllm.plots import write_loss_curve
    from adamllm.tuning import TuningSettings
    from adamllm.tuning import tune_synthesizer as tune

    cli_args = [
        "tune-synthesizer", str(base), str(train), "--out", str(out), "--loss-out", str(loss_out),
        "--loss-png", str(loss_png), "--tuning", json.dumps(tuning),
        "--double-bos" if double_bos else "--no-double-bos",
        "--train-instructions" if train_instructions else "--no-train-instructions",
    ]  # fmt: skip
    if run_distributed(torchrun(["adamllm.cli", *cli_args])):
        return
    log = tune(base, train, out, TuningSettings(**tuning), double_bos, train_instructions)
    if log:  # the main process of a distributed run
        write_loss_curve(log, loss_out, loss_png, "synthesizer tuning")


def warm_up_checker(base, seed, template, out, loss_out, max_steps, learning_rate):
    """Teach a tiny random checker to answer with a label (demo only)."""
    from adamllm.tuning import TuningSettings
    from adamllm.tuning import warm_up_checker as warm_up

    settings = TuningSettings(
        max_steps=max_steps, learning_rate=learning_rate, warmup_ratio=0.1, max_length=2048,
        per_device_batch_size=1, gradient_accumulation_steps=1, bf16=False, deepspeed=None,
    )  # fmt: skip
    write_json(loss_out, warm_up(base, read_json(seed), consistency.load_template(template), out, settings))


def download_seed(hub: dict, visionflan_metadata, allava_caption, allava_instruct, image_dir):
    """Fetch the seed files at pinned revisions from the Hugging Face hub and unpack the images."""
    from adamllm.hub import fetch_file, fetch_zip

    vflan, allava = hub["visionflan"], hub["allava"]
    fetch_file(vflan, vflan["metadata"], visionflan_metadata)
    fetch_file(allava, allava["caption"], allava_caption)
    fetch_file(allava, allava["instruct"], allava_instruct)
    fetch_zip(vflan, vflan["images_zip"], image_dir)


def download_domain(hub: dict, pairs, image_dir):
    """Fetch a domain's image-caption pairs and image archive at a pinned revision."""
    from adamllm.hub import fetch_file, fetch_zip

    fetch_file(hub, hub["pairs_file"], pairs)
    fetch_zip(hub, hub["images_archive"], image_dir)


def fetch_benchmark(task, revision, out, definitions=None):
    """Fetch a benchmark's test split from the hub at a pinned revision, as local rows (``out``) and images."""
    from adamllm.evaluation.fetch import fetch_benchmark as fetch

    fetch(task, revision, out, definitions)


def predict(model, family, out_dir, tasks, rows_files, backend=DEFAULT_BACKEND, max_new_tokens_cap=None,
            backend_options=None, python=None, on_bad_record="stop", chunk_size=DEFAULT_CHUNK_SIZE,
            definitions=None):  # fmt: skip
    """Predictions of one model on the given benchmarks' rows (``rows_files``: task → JSONL file):
    ``<out_dir>/<task>.jsonl``. Works in chunks kept in a progress store beside ``out_dir``: a killed job
    resumes where it stopped. ``definitions``: benchmark name → definition file, for benchmarks not bundled."""
    if run_in_python(python, "predict", _args(locals())):
        return
    from adamllm.evaluation.predict import predict as run

    out_dir = Path(out_dir)
    outs = [out_dir / f"{task}.jsonl" for task in tasks]
    skipped = run(model, family, tasks, outs, rows_files, backend, max_new_tokens_cap, backend_options, on_bad_record,
                  chunk_size, definitions)  # fmt: skip
    settings = {
        "model": str(model), "family": family, "rows": dict(rows_files), "backend": backend,
        "backend_options": backend_options, "max_new_tokens_cap": max_new_tokens_cap, "skipped_rows": skipped,
    }  # fmt: skip
    provenance.write_prediction_run(out_dir, settings)


def score(predictions_dir, out_dir, tasks, lineage=None, config=None, models=None, definitions=None):
    """Scores of each task's predictions: ``<out_dir>/<task>.json`` (keys as ``adamllm score`` prints),
    each with a provenance manifest when ``config`` is given (adamllm.provenance)."""
    from adamllm.evaluation.scoring import score_file

    predictions_dir = Path(predictions_dir)
    if config is not None:  # digests and run facts shared by the tasks' manifests: computed once
        shared = provenance.inputs_digests(lineage or {})
        sources = {path: sha for stats in (lineage or {}).get("stats", []) for path, sha in
                   read_json(stats).get("sources", {}).items()}  # fmt: skip
        if sources:  # what the data stages read: seed files, the domain's pairs and images
            shared["sources"] = dict(sorted(sources.items()))
        record = provenance.run_record(config, models or {}, predictions_dir)
    for task in tasks:
        predictions = predictions_dir / f"{task}.jsonl"
        out = Path(out_dir) / f"{task}.json"
        write_json(out, score_file(task, predictions, definitions))
        if config is not None:
            digests = {**shared, "predictions": {str(predictions): provenance.file_digest(predictions)}}
            provenance.write_manifest(out, digests, record)


def report(domain, models: list[dict], columns: list, csv_out, markdown_out, radar_out, overview_out, stats=None,
           synthesizer_loss=None, synthesizer_effect=None, tasks=None):  # fmt: skip
    """The domain's table beside the paper's numbers, its radar chart, and its overview for the report's
    first page (with the stage counts, the synthesizer's loss and effect and example tasks, where given).
    ``columns``: (benchmark, score key, title) of each column, from the benchmark definitions."""
    from adamllm.evaluation.report import collect, write_overview, write_radar, write_tables

    columns = [tuple(column) for column in columns]
    rows = collect(domain, models, columns)
    write_tables(columns, rows, csv_out, markdown_out, domain)
    write_radar(domain, columns, rows, radar_out)
    write_overview(domain, columns, rows, overview_out, stats, synthesizer_loss, synthesizer_effect, tasks, radar_out)


def generate(backend, model, family, requests_file, out, sampling: dict, options: dict | None = None):
    """Run any backend on a JSON list of ``{prompt, image}`` requests; write token ids and text per request."""
    requests = [Request(r["prompt"], r.get("image")) for r in read_json(requests_file)]
    engine = load_backend(backend, str(model), family, **(options or {}))
    settings = Sampling(**{**sampling, "stop": tuple(sampling.get("stop", ()))})
    tokens = engine.generate_tokens(requests, settings)
    texts = engine.decode(tokens, settings)
    write_json(out, [{"tokens": t, "text": x} for t, x in zip(tokens, texts, strict=True)])


def main(argv=None) -> int:
    """``python -m adamllm.stages NAME KWARGS_JSON``: run one stage with keyword arguments given as JSON, the
    way a stage re-runs itself in another interpreter (the one holding vLLM, say; launch.run_in_python)."""
    import json
    import sys

    name, kwargs = argv or sys.argv[1:]
    try:
        globals()[name](**json.loads(kwargs))
    except BadInputError as err:
        print(f"adamllm: bad input: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
