"""Post-training with LLaMA-Factory (docs/method.md §7): arguments from the family registry, a loadable checkpoint."""

from __future__ import annotations

import argparse
import json
import shutil
from dataclasses import dataclass, fields
from pathlib import Path

import yaml

from adamllm.core.errors import BadInputError
from adamllm.core.io import atomic_write
from adamllm.core.schemas import POSTTRAIN_RECORD, read_records
from adamllm.models.checkpoints import vllm_compatible
from adamllm.models.families import get_family
from adamllm.models.sizes import composite_keys
from adamllm.training.deepspeed import deepspeed_config
from adamllm.training.launch import run_distributed, torchrun
from adamllm.training.optim import two_rate_optimizer
from adamllm.training.reporting import require_integrations
from adamllm.training.vision_tower import is_vision_parameter, load_vision_tower, save_callback, unfreeze_vision_tower


@dataclass
class PostTrainSettings:
    """Settings shared by all families (paper Table 10). ``reading`` picks the family's values in the registry
    (the paper's Table 10, or what the reference's commands ran); a setting left None takes that value."""

    reading: str = "paper"
    epochs: float = 1.0
    max_steps: int = -1
    cutoff_len: int = 6144
    lr_scheduler: str = "cosine"
    bf16: bool = True
    deepspeed: bool = True
    image_min_pixels: int = 32 * 32
    seed: int = 42
    per_device_batch_size: int | None = None
    gradient_accumulation_steps: int | None = None
    image_max_pixels: int | None = None
    learning_rate: float | None = None
    vision_learning_rate: float | None = None
    freeze_vision_tower: bool | None = None
    weight_decay: float | None = None
    warmup_ratio: float | None = None
    report_to: tuple[str, ...] = ()  # integrations besides the loss curve: tensorboard, wandb, mlflow
    finetuning_type: str = "full"  # full, lora, or qlora (LoRA over 4-bit base weights: a CUDA GPU only)
    lora_rank: int = 8  # LLaMA-Factory's default
    lora_vision: str = "frozen"  # under LoRA the vision tower is frozen, LoRA-adapted too (lora), or trained whole

    @classmethod
    def from_config(cls, shared: dict, family_overrides: dict | None = None) -> PostTrainSettings:
        known = {f.name for f in fields(cls)}
        merged = {**shared, **(family_overrides or {})}
        unknown = merged.keys() - known
        if unknown:
            raise ValueError(f"unknown post-training settings: {', '.join(sorted(unknown))}")
        return cls(**merged)


def family_values(family_name, settings: PostTrainSettings) -> dict:
    """The values a family trains with: each setting given, else the family's under ``settings.reading``.
    A frozen vision tower has no learning rate; a ``vision_learning_rate`` given trains the tower even
    where the reading froze it (unless ``freeze_vision_tower`` is given too). Under LoRA ``lora_vision`` alone
    says whether the tower trains (its adapters, or the tower whole)."""
    hp = get_family(family_name).hparams(settings.reading)
    values = {
        name: getattr(hp, name) if getattr(settings, name) is None else getattr(settings, name)
        for name in ("learning_rate", "weight_decay", "warmup_ratio", "per_device_batch_size",
                     "gradient_accumulation_steps", "image_max_pixels")
    }  # fmt: skip
    frozen = settings.freeze_vision_tower
    if settings.finetuning_type != "full":  # under LoRA the tower trains as lora_vision says
        frozen = settings.lora_vision == "frozen"
    elif frozen is None:
        frozen = hp.freeze_vision_tower and settings.vision_learning_rate is None
    rate = settings.vision_learning_rate or hp.vision_learning_rate or values["learning_rate"]
    return {**values, "freeze_vision_tower": frozen, "vision_learning_rate": None if frozen else rate,
            "deepspeed_stage": hp.deepspeed_stage}  # fmt: skip


def global_batch_size(family_name, settings: PostTrainSettings, gpus: int) -> int:
    """Sequences per optimizer step over ``gpus`` data-parallel GPUs: per-device batch × accumulation × GPUs."""
    values = family_values(family_name, settings)
    return values["per_device_batch_size"] * values["gradient_accumulation_steps"] * gpus


def vision_learning_rate(family_name, settings: PostTrainSettings) -> float | None:
    """The vision tower's learning rate (None when it is frozen)."""
    return family_values(family_name, settings)["vision_learning_rate"]


def llamafactory_args(family_name, model, dataset_dir, dataset, media_dir, output_dir, settings: PostTrainSettings):
    """LLaMA-Factory SFT arguments for one model on one dataset. The LLM and projector train at
    ``learning_rate``; the vision tower is frozen or trains at :func:`vision_learning_rate` (an optimizer
    parameter group, see :func:`train_in_process`). Under LoRA (:func:`lora_args`) the adapters and the
    projector train, and the tower as ``lora_vision`` says."""
    family = get_family(family_name)
    values = family_values(family_name, settings)
    args = {
        "stage": "sft",
        "do_train": True,
        "finetuning_type": "full",
        "model_name_or_path": str(model),
        "template": family.llamafactory_template,
        "dataset": dataset,
        "dataset_dir": str(dataset_dir),
        "media_dir": str(media_dir),
        "cutoff_len": settings.cutoff_len,
        "output_dir": str(output_dir),
        "overwrite_output_dir": True,
        "num_train_epochs": settings.epochs,
        "max_steps": settings.max_steps,
        "per_device_train_batch_size": values["per_device_batch_size"],
        "gradient_accumulation_steps": values["gradient_accumulation_steps"],
        "learning_rate": values["learning_rate"],
        "weight_decay": values["weight_decay"],
        "warmup_ratio": values["warmup_ratio"],
        "lr_scheduler_type": settings.lr_scheduler,
        "bf16": settings.bf16,
        "image_max_pixels": values["image_max_pixels"],
        "image_min_pixels": settings.image_min_pixels,
        "freeze_vision_tower": values["freeze_vision_tower"],
        "freeze_multi_modal_projector": False,
        "seed": settings.seed,
        "data_seed": settings.seed,
        "logging_steps": 1,
        "save_strategy": "no",
        "report_to": list(settings.report_to) or "none",
        "dataloader_num_workers": 0,
        "plot_loss": False,
        **family.llamafactory_args,
    }
    if settings.deepspeed:
        args["deepspeed"] = deepspeed_config(f"zero{values['deepspeed_stage']}")
    if settings.finetuning_type != "full":
        args.update(lora_args(family, settings))
    return args


FINETUNING_TYPES = ("full", "lora", "qlora")
LORA_VISION = ("frozen", "lora", "full")


def settings_problem(settings: PostTrainSettings) -> str | None:
    """What makes these settings unusable together, or None."""
    if settings.finetuning_type == "qlora" and settings.lora_vision == "full":
        return ("lora_vision: full cannot go with finetuning_type: qlora (QLoRA stores the vision tower's linear "
                "weights in 4 bits, which cannot train whole); use lora, or lora_vision frozen or lora")  # fmt: skip
    return None


def lora_args(family, settings: PostTrainSettings) -> dict:
    """LLaMA-Factory's LoRA arguments: adapters of rank ``lora_rank`` on every linear layer of the language
    model (and of the vision tower with ``lora_vision: lora``), the projector trained whole beside them
    (``additional_target``: LLaMA-Factory leaves it frozen under LoRA otherwise); 4-bit base weights for QLoRA.
    A tower trained whole (``lora_vision: full``) is not LLaMA-Factory's: see :func:`train_in_process`."""
    if settings.finetuning_type not in FINETUNING_TYPES:
        raise ValueError(f"unknown finetuning_type {settings.finetuning_type!r}; known: {', '.join(FINETUNING_TYPES)}")
    if settings.lora_vision not in LORA_VISION:
        raise ValueError(f"unknown lora_vision {settings.lora_vision!r}; known: {', '.join(LORA_VISION)}")
    if problem := settings_problem(settings):
        raise BadInputError("posttrain.settings", problem)
    projector = composite_keys(family.model_type)[1]
    args = {"finetuning_type": "lora", "lora_rank": settings.lora_rank, "lora_target": "all",
            "freeze_vision_tower": settings.lora_vision != "lora"}  # fmt: skip
    if projector:
        args["additional_target"] = ",".join(projector)
    if settings.finetuning_type == "qlora":
        args.update(quantization_bit=4, quantization_method="bnb")
    return args


def train_in_process(args: dict, vision_rate: float | None, callbacks=(), whole_tower: bool = False) -> None:
    """LLaMA-Factory's ``run_exp`` in this process, its optimizer given two parameter groups: the vision
    tower at ``vision_rate``, everything else at ``args["learning_rate"]`` (stock LLaMA-Factory has one
    learning rate; its SFT trainer takes an optimizer from ``create_custom_optimizer``). With the vision
    tower frozen (``vision_rate`` None) every trainable parameter has the one rate. ``whole_tower``: under
    LoRA the tower trains whole too, and is saved beside the adapter (adamllm.training.vision_tower)."""
    from llamafactory.train.sft import trainer as sft_trainer
    from llamafactory.train.tuner import run_exp

    stock = sft_trainer.create_custom_optimizer

    def create_optimizer(model, training_args, finetuning_args):
        is_vision = is_vision_parameter(model.config.model_type)
        if whole_tower:
            unfreeze_vision_tower(model, is_vision)
        special = stock(model, training_args, finetuning_args)  # GaLore, LoRA+… if configured
        if special is not None:
            return special
        rate = training_args.learning_rate if vision_rate is None else vision_rate
        return two_rate_optimizer(model, training_args, rate, is_vision)

    if whole_tower:
        callbacks = [*callbacks, save_callback()]
    sft_trainer.create_custom_optimizer = create_optimizer
    try:
        run_exp(dict(args), callbacks=list(callbacks))
    finally:
        sft_trainer.create_custom_optimizer = stock


def run_llamafactory(args: dict, config_path: Path, vision_rate: float | None, whole_tower: bool = False) -> None:
    """In-process on CPU or one GPU; on several GPUs or nodes, torchrun runs :func:`main` per GPU."""
    with atomic_write(config_path) as handle:
        yaml.safe_dump(args, handle, sort_keys=False)
    worker = ["adamllm.training.posttrain", str(config_path)]
    if vision_rate is not None:
        worker += ["--vision-learning-rate", repr(vision_rate)]
    if whole_tower:
        worker.append("--whole-vision-tower")
    if not run_distributed(torchrun(worker)):
        train_in_process(args, vision_rate, whole_tower=whole_tower)


def ensure_loadable(checkpoint: Path, base_model: str, multimodal: bool) -> list[str]:
    """Save the base model's processor/tokenizer into the checkpoint when LLaMA-Factory left them out."""
    from transformers import AutoProcessor, AutoTokenizer

    loader = AutoProcessor if multimodal else AutoTokenizer
    try:
        loader.from_pretrained(checkpoint)
        return []
    except (OSError, ValueError, KeyError, TypeError):
        before = {p.name for p in checkpoint.iterdir()}
        loader.from_pretrained(base_model).save_pretrained(checkpoint)
        return sorted({p.name for p in checkpoint.iterdir()} - before)


def require_quantization(finetuning_type: str) -> None:
    """QLoRA's 4-bit base weights (bitsandbytes) need a CUDA GPU: one line before any model loads, not a
    failure inside LLaMA-Factory."""
    import torch

    if finetuning_type == "qlora" and not torch.cuda.is_available():
        raise BadInputError("posttrain.settings.finetuning_type", "qlora loads 4-bit base weights with "
                            "bitsandbytes, which needs a CUDA GPU; use lora on this machine")  # fmt: skip


def merge_adapter(checkpoint: Path, adapter: Path, base_model: str, whole_tower: bool = False) -> None:
    """Save at ``checkpoint`` the base model with the LoRA adapter in ``adapter`` (and the modules trained
    whole beside it, the vision tower among them where it trained whole) merged in: a full checkpoint both
    backends load. The adapter stays where it is."""
    from peft import PeftModel
    from transformers import AutoModelForImageTextToText

    model = AutoModelForImageTextToText.from_pretrained(base_model, dtype="auto")
    merged = PeftModel.from_pretrained(model, str(adapter)).merge_and_unload()
    if whole_tower:
        load_vision_tower(merged, adapter)
    merged.save_pretrained(checkpoint)


def count_records(data_file) -> int:
    return sum(1 for _ in read_records(data_file, POSTTRAIN_RECORD))


def post_train(
    family, base_model, data_file, dataset_info, out_dir, loss_json, loss_png, settings: dict, media_dir=".",
    title=None,
):  # fmt: skip
    """Train ``base_model`` on one dataset; leave a checkpoint that evaluation can load, or nothing."""
    from adamllm.core.plots import write_loss_curve

    if count_records(data_file) == 0:
        raise BadInputError(data_file, "the recipe's training data is empty: nothing to train on")
    (dataset,) = json.loads(Path(dataset_info).read_text(encoding="utf-8"))
    out_dir = Path(out_dir)
    work = out_dir.with_name(out_dir.name + ".partial")
    shutil.rmtree(work, ignore_errors=True)  # never resume a stale, interrupted run
    parsed = settings if isinstance(settings, PostTrainSettings) else PostTrainSettings(**settings)
    require_integrations(parsed.report_to, "posttrain.settings.report_to")
    require_quantization(parsed.finetuning_type)
    adapter = work / "adapter" if parsed.finetuning_type != "full" else None
    args = llamafactory_args(family, base_model, Path(data_file).parent, dataset, media_dir, adapter or work, parsed)
    whole_tower = parsed.finetuning_type != "full" and parsed.lora_vision == "full"
    run_llamafactory(args, work.with_name(work.name + ".yaml"), vision_learning_rate(family, parsed), whole_tower)
    if adapter:
        merge_adapter(work, adapter, str(base_model), whole_tower)
    ensure_loadable(work, str(base_model), get_family(family).multimodal)
    vllm_compatible(work)
    log = json.loads(((adapter or work) / "trainer_state.json").read_text())["log_history"]
    write_loss_curve(log, loss_json, loss_png, title or f"{family}: {Path(data_file).parent.name}")
    shutil.move(str(work.with_name(work.name + ".yaml")), str(work / "adamllm_llamafactory.yaml"))
    shutil.rmtree(out_dir, ignore_errors=True)
    work.rename(out_dir)


@dataclass(frozen=True)
class TrainingRecipe:
    """Which data recipe a model is trained on, and from which earlier model (two-stage) if any."""

    data: str
    init_from: str | None = None


def _training_recipes() -> dict[str, TrainingRecipe]:
    from adamllm.data.posttrain_data import DATA_RECIPES

    recipes = {name: TrainingRecipe(name) for name in DATA_RECIPES}
    # Two-stage baseline (paper Tables 4/14): captions first, then synthetic tasks only.
    recipes["two_stage"] = TrainingRecipe("synthetic_only", init_from="caption_only")
    return recipes


TRAINING_RECIPES = _training_recipes()


def main(argv=None) -> None:
    """One worker of a multi-GPU post-training (started by torchrun): the saved LLaMA-Factory config and
    the vision tower's learning rate."""
    parser = argparse.ArgumentParser(prog="python -m adamllm.training.posttrain", description=main.__doc__)
    parser.add_argument("config", help="LLaMA-Factory YAML written by run_llamafactory")
    parser.add_argument("--vision-learning-rate", type=float, help="the vision tower's rate (none: it is frozen)")
    parser.add_argument("--whole-vision-tower", action="store_true", help="under LoRA, train the tower whole too")
    args = parser.parse_args(argv)
    config = yaml.safe_load(Path(args.config).read_text(encoding="utf-8"))
    train_in_process(config, args.vision_learning_rate, whole_tower=args.whole_vision_tower)


if __name__ == "__main__":
    main()
