"""What the workflow's rules are built from, computed from the config: model specs, recipe chains, the models
evaluated, engines and the lineage a score's manifest records. rules/common.smk only wires these into paths
and input functions. Light: nothing here imports torch or transformers."""

from __future__ import annotations

from pathlib import Path

from adamllm.training.posttrain import TRAINING_RECIPES, PostTrainSettings
from adamllm.workflow.config_check import TINY_PREFIX, model_family

TINY_DIR = "resources/models/tiny"  # where tiny:<family> models are built
# Evaluated variants that are not trained here: the target itself, and the authors' released model.
GIVEN_VARIANTS = ("base", "released")
# Config sections every post-trained model's lineage passes through, in pipeline order.
LINEAGE_SECTIONS = ("seed", "synthesizer_set", "synthesizer", "checker", "synthesis", "posttrain_data")


def domain_source(config: dict, domain: str) -> dict:
    """The pairs file and image folder of a domain: local paths, or where the hub download lands."""
    if "hub" in config["domains"][domain]:
        return {"pairs": f"resources/domains/{domain}/pairs.json", "image_dir": f"resources/domains/{domain}/images"}
    return {key: config["domains"][domain][key] for key in ("pairs", "image_dir")}


def seed_files(config: dict) -> dict:
    """The three seed files and the image folder, local or where the hub download lands."""
    if config["seed"]["source"] == "local":
        return config["seed"]["local"]
    return {
        "visionflan_metadata": "resources/seed/vflan_metadata.json",
        "allava_caption": "resources/seed/ALLaVA-Caption-VFLAN-4V.json",
        "allava_instruct": "resources/seed/ALLaVA-Instruct-VFLAN-4V.json",
        "image_dir": "resources/seed/images",
    }


def is_tiny(spec: str) -> bool:
    return spec.startswith(TINY_PREFIX)


def model_path(spec: str) -> str:
    """Where a model spec is loaded from: the tiny build's folder, or the hub id / local path as given."""
    return f"{TINY_DIR}/{model_family(spec)}" if is_tiny(spec) else spec


def model_files(spec: str) -> list[str]:
    """File dependencies of a model spec: a tiny build, or an existing local folder; none for a hub id."""
    path = model_path(spec)
    return [path] if is_tiny(spec) or Path(path).exists() else []


def recipe_chain(recipe: str) -> list[str]:
    """A training recipe and the recipes whose models it starts from (two-stage: caption_only first)."""
    chain = [recipe]
    while TRAINING_RECIPES[chain[-1]].init_from:
        chain.append(TRAINING_RECIPES[chain[-1]].init_from)
    return chain


def trained_recipes(config: dict) -> list[str]:
    """Every recipe a model is trained on: the requested ones and those they start from."""
    return sorted({r for recipe in config["posttrain"]["recipes"] for r in recipe_chain(recipe)})


def data_recipes(config: dict) -> list[str]:
    """The data recipes the trained recipes read."""
    return sorted({TRAINING_RECIPES[r].data for r in trained_recipes(config)})


def trained_by(config: dict, data_recipe: str) -> list[str]:
    """The trained recipes that train on a data recipe."""
    return [r for r in trained_recipes(config) if TRAINING_RECIPES[r].data == data_recipe]


def run_targets(config: dict) -> list[str]:
    """The targets this run trains and evaluates: ``run_targets``, or every configured target."""
    return list(config["targets"]) if config["run_targets"] is None else config["run_targets"]


def synthesizer_spec(config: dict) -> str:
    """The synthesizer's model spec: the pretrained synthesizer, or the base that is tuned into one."""
    synthesizer = config["synthesizer"]
    return synthesizer["pretrained" if synthesizer["source"] == "pretrained" else "base"]


def target_family(config: dict, target: str) -> str:
    spec = config["targets"][target]
    return model_family(spec["model"], spec.get("family"))


def given_model(config: dict, domain: str, target: str, variant: str) -> str:
    """The model spec of a variant that is not trained here (see GIVEN_VARIANTS)."""
    spec = config["targets"][target]
    return spec["released"][domain] if variant == "released" else spec["model"]


def posttrain_settings(config: dict, target: str) -> dict:
    """Shared post-training settings with the target family's overrides, as a plain dict."""
    overrides = config["posttrain"]["families"].get(target_family(config, target))
    return vars(PostTrainSettings.from_config(config["posttrain"]["settings"], overrides))


def evaluated_variants(config: dict, domain: str, target: str) -> list[str]:
    """The base model, the released model (where the config names one) and each requested recipe."""
    variants = ["base"] if config["evaluation"]["base_models"] else []
    if config["evaluation"]["released_models"] and domain in config["targets"][target].get("released", {}):
        variants.append("released")
    return variants + config["posttrain"]["recipes"]


def lineage(config: dict, domain: str, target: str, variant: str) -> dict:
    """Config values on a score's lineage and the model specs behind it, for its manifest."""
    values = {"evaluation": config["evaluation"], "target": config["targets"][target]}
    models = {"target": given_model(config, domain, target, variant)}
    if variant not in GIVEN_VARIANTS:
        values.update(
            recipes=recipe_chain(variant), posttrain_settings=posttrain_settings(config, target),
            on_bad_record=config["on_bad_record"], **{key: config[key] for key in LINEAGE_SECTIONS},
            domain=config["domains"][domain],
        )  # fmt: skip
        models.update(synthesizer=synthesizer_spec(config), checker=config["checker"]["model"])
    if any(is_tiny(spec) for spec in models.values()):
        values["tiny_models"] = config["tiny_models"]
    return {"config": values, "models": models}


def engine(config: dict, backend: str, max_model_len: int) -> dict:
    """A generating stage's engine (adamllm.generation.backends.Engine): the backend, its options (vLLM's from the
    ``vllm`` section) with the stage's context length, and the interpreter holding vLLM."""
    if backend != "vllm":
        return {"backend": backend, "options": {"max_model_len": max_model_len}}
    options = {k: v for k, v in config["vllm"].items() if k != "python" and v is not None}
    return {"backend": backend, "options": {**options, "max_model_len": max_model_len},
            "python": config["vllm"]["python"]}  # fmt: skip
