"""Config loading and validation, then wiring: paths, wildcards and input functions (the policy behind
them is the package's: adamllm.workflow.targets)."""

import re
import sys

from snakemake.utils import validate

from adamllm.workflow import targets as W
from adamllm.workflow.config_check import (
    ConfigError,
    check_config,
    check_config_files,
    check_shards,
    rows_file,
)
from adamllm.generation.consistency import DEFAULT_TEMPLATE
from adamllm.evaluation.tasks import domain_benchmarks
from adamllm.training.posttrain import TRAINING_RECIPES
from adamllm.data.posttrain_data import GENERAL_RECIPES
from adamllm.models.families import FAMILIES
from adamllm.workflow.targets import GIVEN_VARIANTS, is_tiny, model_files, model_path

# The config files given on the command line (the bundled demo config is tested).
try:
    check_config_files(workflow.overwrite_configfiles)
except ConfigError as err:
    sys.exit(f"adamllm: {err}")
validate(config, "../config/schema.yaml")
try:
    BENCHMARKS = check_config(config)  # bundled and configured benchmark definitions
except ConfigError as err:
    sys.exit(f"adamllm: {err}")  # one line naming the key, before any job runs

DOMAINS = config["run_domains"]
TARGETS = W.run_targets(config)
TRAIN_RECIPES = W.trained_recipes(config)
DATA_RECIPES = W.data_recipes(config)


def model_param(hub_id):
    """Param for a model: its input path when it is a local file dependency, else the hub id
    (``hub_id`` may be a function of the wildcards)."""

    def choose(wildcards, input):
        if input.get("model"):
            return str(input.model)
        return hub_id(wildcards) if callable(hub_id) else hub_id

    return choose


scattergather:
    shard=config["synthesis"]["shards"],


try:  # --set-scatter shard=N overrides the config
    check_shards(workflow._scatter["shard"])
except ConfigError as err:
    sys.exit(f"adamllm: {err}")


# --- seed data -------------------------------------------------------------------------------


def seed_files():
    """The three seed files and the image folder, local or downloaded."""
    return W.seed_files(config)


# --- models ----------------------------------------------------------------------------------


def synthesizer_model():
    if config["synthesizer"]["source"] == "pretrained":
        return model_path(W.synthesizer_spec(config))
    return "results/synthesizer/checkpoint"


def synthesizer_input():
    if config["synthesizer"]["source"] == "pretrained":
        return model_files(W.synthesizer_spec(config))
    return ["results/synthesizer/checkpoint"]


def checker_model():
    """A tiny checker is first warmed up to answer with a label (demo only, see README)."""
    model = config["checker"]["model"]
    return "resources/models/tiny-checker" if is_tiny(model) else model_path(model)


def checker_input():
    return (
        [checker_model()]
        if is_tiny(config["checker"]["model"])
        else model_files(config["checker"]["model"])
    )


def checker_template():
    """The consistency prompt template: the config's, or the one bundled with the package."""
    return config["checker"]["template"] or str(DEFAULT_TEMPLATE)


# --- domains ---------------------------------------------------------------------------------


HUB_DOMAINS = [d for d in DOMAINS if "hub" in config["domains"][d]]


def domain_source(domain):
    """The pairs file and image folder of a domain: local paths, or where the hub download lands."""
    return W.domain_source(config, domain)


def domain_pairs(wildcards):
    return domain_source(wildcards.domain)["pairs"]


def domain_images(wildcards):
    return domain_source(wildcards.domain)["image_dir"]


# --- post-training -----------------------------------------------------------------------------


def posttrain_data_input(wildcards):
    """The domain's judged tasks (the seed for general recipes), and the stats an empty recipe is reported with."""
    results = f"results/{wildcards.domain}"
    inputs = {
        "tasks": f"{results}/tasks.jsonl",
        "pairs": f"{results}/pairs.stats.json",
        "parsed": gather.shard(f"{results}/triplets/{{scatteritem}}.stats.json"),
        "judged": f"{results}/tasks.stats.json",
    }
    if wildcards.recipe in GENERAL_RECIPES:
        inputs["seed"] = "results/seed/seed.json"
    return inputs


def target_family(target):
    return W.target_family(config, target)


def posttrain_inputs(wildcards):
    """The recipe's data, and the model training starts from: the target, or an earlier stage's model."""
    recipe = TRAINING_RECIPES[wildcards.recipe]
    data = f"results/{wildcards.domain}/posttrain_data/{recipe.data}"
    inputs = {"data": f"{data}/data.json", "info": f"{data}/dataset_info.json"}
    if recipe.init_from:
        inputs["model"] = (
            f"results/{wildcards.domain}/models/{recipe.init_from}/{wildcards.target}"
        )
    else:
        inputs["model"] = model_files(config["targets"][wildcards.target]["model"])
    return inputs


def target_hub_id(wildcards):
    return model_path(config["targets"][wildcards.target]["model"])


def given_model(wildcards):
    return W.given_model(config, wildcards.domain, wildcards.target, wildcards.variant)


def posttrain_settings(wildcards):
    """A param: a change of the target's settings reruns its training."""
    return W.posttrain_settings(config, wildcards.target)


# --- evaluation ---------------------------------------------------------------------------------


def domain_tasks(domain):
    """The benchmarks a domain is evaluated on (``domains.<domain>.benchmarks``, or its definitions')."""
    return domain_benchmarks(domain, config, BENCHMARKS)


BENCHMARK_NAMES = sorted({task for domain in DOMAINS for task in domain_tasks(domain)})


def benchmark_definitions(domain):
    """Benchmark name → its definition file, for the stages of a domain."""
    return {task: str(BENCHMARKS[task].source) for task in domain_tasks(domain)}


def benchmark_rows(domain):
    """Benchmark name → the rows file it is evaluated on (local, fetched from the hub, or its own)."""
    return {
        task: rows_file(config, BENCHMARKS[task], domain)
        for task in domain_tasks(domain)
    }


def report_columns(domain):
    """The report's columns of a domain: (benchmark, score key, title), from the definitions."""
    return [
        (task, key, title)
        for task in domain_tasks(domain)
        for key, title in BENCHMARKS[task].scores
    ]


def evaluated_models(domain):
    """Every (target, variant) evaluated in a domain."""
    return [
        {
            "target": target,
            "family": target_family(target),
            "variant": variant,
            "scores": f"results/{domain}/scores/{target}/{variant}",
        }
        for target in TARGETS
        for variant in W.evaluated_variants(config, domain, target)
    ]


def report_inputs(wildcards):
    """A domain's scores and, where the run made them, what its report's overview shows besides: the
    counts through the stages, example tasks, the synthesizer's loss and effect."""
    inputs = {"scores": [m["scores"] for m in evaluated_models(wildcards.domain)]}
    if TRAIN_RECIPES:
        inputs["stats"] = f"results/{wildcards.domain}/stats.json"
        inputs["tasks"] = f"results/{wildcards.domain}/tasks.jsonl"
    if TRAIN_RECIPES and config["synthesizer"]["source"] == "tune":
        inputs["synthesizer_loss"] = "results/synthesizer/loss.json"
        if config["synthesizer"]["untuned_check_pairs"]:
            inputs["synthesizer_effect"] = (
                f"results/{wildcards.domain}/synthesizer_effect.json"
            )
    return inputs


def eval_inputs(wildcards):
    """The model to evaluate (base target or post-trained checkpoint) and, for local sets, the sample files."""
    inputs = {}
    if wildcards.variant in GIVEN_VARIANTS:
        inputs["model"] = model_files(given_model(wildcards))
    else:
        inputs["model"] = (
            f"results/{wildcards.domain}/models/{wildcards.variant}/{wildcards.target}"
        )
    inputs["rows"] = list(benchmark_rows(wildcards.domain).values())
    return inputs


def provenance_inputs(wildcards):
    """What a score's manifest checksums besides its predictions: the evaluated model, the benchmark rows,
    the post-training data of each recipe on its lineage, and the data stages' stats, which name the
    source files (pairs, images, seed) they were made from, with their digests."""
    inputs = eval_inputs(wildcards)
    if wildcards.variant not in GIVEN_VARIANTS:
        inputs["stats"] = [f"results/{wildcards.domain}/pairs.stats.json"]
        if config["synthesizer"]["source"] == "tune":
            inputs["stats"].append("results/seed/seed.stats.json")
        inputs["data"] = [
            f"results/{wildcards.domain}/posttrain_data/{TRAINING_RECIPES[r].data}/data.json"
            for r in W.recipe_chain(wildcards.variant)
        ]
    return inputs


def provenance_params(wildcards):
    return W.lineage(config, wildcards.domain, wildcards.target, wildcards.variant)


# --- generation backends --------------------------------------------------------------------------


def engine(backend, max_model_len):
    return W.engine(config, backend, max_model_len)


def backend_env(backend):
    return "../envs/vllm.yaml" if backend == "vllm" else "../envs/main.yaml"


def all_outputs():
    outputs = expand("results/report/{domain}_scores.csv", domain=DOMAINS)
    if not TRAIN_RECIPES:  # evaluation only (e.g. config/paper/audit-released.yaml)
        return outputs
    outputs += expand("results/{domain}/stats.json", domain=DOMAINS)
    outputs += expand(
        "results/{domain}/models/{recipe}/{target}",
        domain=DOMAINS,
        recipe=config["posttrain"]["recipes"],
        target=TARGETS,
    )
    if (
        config["synthesizer"]["source"] == "tune"
        and config["synthesizer"]["untuned_check_pairs"]
    ):
        outputs += expand("results/{domain}/synthesizer_effect.json", domain=DOMAINS)
    return outputs
