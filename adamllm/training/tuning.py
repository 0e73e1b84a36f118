"""Supervised tuning on rendered conversations with explicit labels (which segments the loss sees).

Serves the synthesizer (docs/method.md §2-3: the caption turn is never trained) and the demo's tiny checker.
Runs through the Hugging Face ``Trainer``, so the same code uses CPU, torchrun or DeepSpeed.
"""

from __future__ import annotations

import random
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import torch

from adamllm.core.schemas import SYNTHESIZER_SAMPLE, read_records
from adamllm.data.images import load_rgb
from adamllm.data.synth_format import Segment, training_segments
from adamllm.models.checkpoints import vllm_compatible
from adamllm.training.deepspeed import deepspeed_config
from adamllm.training.optim import two_rate_optimizer
from adamllm.training.reporting import require_integrations

IGNORE = -100


@dataclass
class TuningSettings:
    """Trainer settings, defaulting to the paper's synthesizer tuning (Table 9: 2 epochs, global batch
    4 × 4 × 8 GPUs = 128, lr 2e-5 / vision 2e-6, cosine, warm-up 0.03, bf16, ZeRO-3, 6144 tokens).

    ``vision_learning_rate`` applies to the vision tower's parameters; ``deepspeed`` is ``zero2``,
    ``zero3`` (the bundled configs), a path, or None.
    """

    epochs: float = 2.0
    max_steps: int = -1
    learning_rate: float = 2e-5
    vision_learning_rate: float = 2e-6
    weight_decay: float = 0.0
    warmup_ratio: float = 0.03
    lr_scheduler: str = "cosine"
    per_device_batch_size: int = 4
    gradient_accumulation_steps: int = 4
    max_length: int = 6144
    bf16: bool = True
    deepspeed: str | None = "zero3"
    seed: int = 42
    logging_steps: int = 1
    report_to: tuple[str, ...] = ()  # integrations besides the loss curve: tensorboard, wandb, mlflow


def trainer_arguments(settings: TuningSettings) -> dict:
    """The Hugging Face ``TrainingArguments`` a tuning runs with (besides output folder and device)."""
    return {
        "num_train_epochs": settings.epochs,
        "max_steps": settings.max_steps,
        "learning_rate": settings.learning_rate,
        "weight_decay": settings.weight_decay,
        "warmup_ratio": settings.warmup_ratio,
        "lr_scheduler_type": settings.lr_scheduler,
        "per_device_train_batch_size": settings.per_device_batch_size,
        "gradient_accumulation_steps": settings.gradient_accumulation_steps,
        "bf16": settings.bf16,
        "deepspeed": deepspeed_config(settings.deepspeed),
        "seed": settings.seed,
        "data_seed": settings.seed,
        "logging_steps": settings.logging_steps,
        "report_to": list(settings.report_to),
    }


def encode(segments: list[Segment], trained_roles: set[str], tokenizer, processor=None, image=None, max_length=None):
    """Token ids, labels (-100 outside trained segments) and, with an image, its pixel inputs.

    The whole text is tokenized at once (as at inference); each token is labelled by the segment
    its first character falls in. The single image token is then expanded to as many copies as
    the processor emits for this image.
    """
    text = "".join(s.text for s in segments)
    spans, start = [], 0
    for segment in segments:
        spans.append((start, start + len(segment.text), segment.role in trained_roles))
        start += len(segment.text)
    encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    ids, labels = [], []
    for token_id, (begin, _end) in zip(encoded["input_ids"], encoded["offset_mapping"], strict=True):
        trained = next(flag for lo, hi, flag in spans if lo <= begin < hi)
        ids.append(token_id)
        labels.append(token_id if trained else IGNORE)
    features = {}
    if image is not None:
        image_token = processor.image_token
        image_id = tokenizer.convert_tokens_to_ids(image_token)
        vision = processor(images=[image], text=image_token, add_special_tokens=False, return_tensors="pt")
        copies = int((vision["input_ids"] == image_id).sum())
        at = ids.index(image_id)
        ids[at : at + 1] = [image_id] * copies
        labels[at : at + 1] = [IGNORE] * copies
        features = {k: v[0] for k, v in vision.items() if k not in ("input_ids", "attention_mask")}
    if max_length and len(ids) > max_length:
        ids, labels = ids[:max_length], labels[:max_length]
    return {"input_ids": torch.tensor(ids), "labels": torch.tensor(labels), **features}


def collate(batch: list[dict], pad_id: int) -> dict:
    """Right-pad ids and labels; stack pixel inputs (padding LLaVA-NeXT's per-image patch count)."""
    length = max(len(f["input_ids"]) for f in batch)
    out = {
        "input_ids": torch.full((len(batch), length), pad_id),
        "labels": torch.full((len(batch), length), IGNORE),
        "attention_mask": torch.zeros((len(batch), length), dtype=torch.long),
    }
    for row, f in enumerate(batch):
        n = len(f["input_ids"])
        out["input_ids"][row, :n] = f["input_ids"]
        out["labels"][row, :n] = f["labels"]
        out["attention_mask"][row, :n] = 1
    for key in batch[0].keys() - out.keys():
        values = [f[key] for f in batch]
        if key == "pixel_values" and len({v.shape for v in values}) > 1:
            most = max(v.shape[0] for v in values)
            values = [torch.cat([v, v.new_zeros((most - v.shape[0], *v.shape[1:]))]) for v in values]
        out[key] = torch.stack(values)
    return out


def synthesizer_segments(sample: dict, double_bos: bool, image_token: str) -> list[Segment]:
    """A synthesizer training sample rendered in its Llama-3 format."""
    turns = [(turn["question"], turn["answer"]) for turn in sample["turns"]]
    return training_segments(sample["caption"], turns, double_bos, image_token)


def trained_roles(train_instructions: bool) -> set[str]:
    """Responses are always trained, instructions optionally, the caption never (docs/method.md §2)."""
    return {"response", "instruction"} if train_instructions else {"response"}


class _Dataset(torch.utils.data.Dataset):
    def __init__(self, items, encode_item):
        self.items, self.encode_item = items, encode_item

    def __len__(self):
        return len(self.items)

    def __getitem__(self, index):
        return self.encode_item(self.items[index])


def _vision_parameter_names(model) -> set[str]:
    return {name for name, _ in model.named_parameters() if "vision_tower" in name or "vision_model" in name}


def run_training(model, processor_or_tokenizer, dataset, settings: TuningSettings, out_dir) -> list:
    """Train with the HF Trainer, then save model and processor to ``out_dir`` (atomically); return the log."""
    from transformers import Trainer, TrainingArguments

    out_dir = Path(out_dir)
    work = out_dir.with_name(out_dir.name + ".partial")
    shutil.rmtree(work, ignore_errors=True)
    tokenizer = getattr(processor_or_tokenizer, "tokenizer", processor_or_tokenizer)
    vision_names = _vision_parameter_names(model)

    class _Trainer(Trainer):
        def create_optimizer(self, *args, **kwargs):
            if self.optimizer is None:
                self.optimizer = two_rate_optimizer(
                    self.model, self.args, settings.vision_learning_rate, vision_names.__contains__
                )
            return self.optimizer

    args = TrainingArguments(
        output_dir=str(work),
        **trainer_arguments(settings),
        save_strategy="no",
        remove_unused_columns=False,
        dataloader_num_workers=0,
        disable_tqdm=False,
        use_cpu=not torch.cuda.is_available(),
    )
    trainer = _Trainer(
        model=model,
        args=args,
        train_dataset=dataset,
        data_collator=lambda batch: collate(batch, tokenizer.pad_token_id),
    )
    if trainer.is_world_process_zero():
        print(f"training on {args.world_size} process(es), {len(dataset)} samples", file=sys.stderr, flush=True)
    trainer.train()
    trainer.save_model(str(work))
    if trainer.is_world_process_zero():
        processor_or_tokenizer.save_pretrained(str(work))
        vllm_compatible(work)
        log = [entry for entry in trainer.state.log_history if "loss" in entry]
        shutil.rmtree(out_dir, ignore_errors=True)
        work.rename(out_dir)
        return log
    return []


def tune_synthesizer(
    base_model, train_file, out_dir, settings: TuningSettings, double_bos: bool, train_instructions: bool
) -> list:
    """Fine-tune a LLaVA-NeXT synthesizer on the synthesizer training set."""
    from transformers import AutoModelForImageTextToText, AutoProcessor

    require_integrations(settings.report_to, "synthesizer.tuning.report_to")
    torch.manual_seed(settings.seed)
    processor = AutoProcessor.from_pretrained(base_model)
    model = AutoModelForImageTextToText.from_pretrained(base_model, dtype=torch.float32)
    samples = list(read_records(train_file, SYNTHESIZER_SAMPLE))
    roles = trained_roles(train_instructions)

    def encode_item(sample):
        segments = synthesizer_segments(sample, double_bos, processor.image_token)
        image = load_rgb(sample["image"])
        return encode(segments, roles, processor.tokenizer, processor, image, settings.max_length)

    return run_training(model, processor, _Dataset(samples, encode_item), settings, out_dir)


def checker_warmup_items(seed_records: list[dict], seed: int) -> list[dict]:
    """Labelled consistency items built from seed QAs: matching answers → Yes, another image's → No,
    the caption as the answer to a description request → Open."""
    rng = random.Random(seed)
    items = []
    for index, record in enumerate(seed_records):
        informative = dict((q, a) for q, a in record["informative"])
        for question, precise in record["precise"]:
            if question in informative:
                triplet = {"Q": question, "precise_A": precise, "informative_A": informative[question]}
                items.append((triplet, "Yes"))
                other = seed_records[(index + 1 + rng.randrange(max(len(seed_records) - 1, 1))) % len(seed_records)]
                wrong = other["precise"][0][1]
                if wrong.strip().lower() != precise.strip().lower():
                    items.append(({**triplet, "precise_A": wrong}, "No"))
        caption_question = "Describe the image in detail."
        items.append(
            ({"Q": caption_question, "precise_A": record["caption"][:80], "informative_A": record["caption"]}, "Open")
        )
    rng.shuffle(items)
    return [{"triplet": t, "label": label} for t, label in items]


def warm_up_checker(base_model, seed_records, template: str, out_dir, settings: TuningSettings) -> list:
    """Briefly train a tiny random checker to answer a label after the consistency prompt (demo only)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from adamllm.generation.consistency import render_prompt

    torch.manual_seed(settings.seed)
    tokenizer = AutoTokenizer.from_pretrained(base_model)
    model = AutoModelForCausalLM.from_pretrained(base_model, dtype=torch.float32)
    items = checker_warmup_items(seed_records, settings.seed)

    def encode_item(item):
        segments = [
            Segment(tokenizer.bos_token + render_prompt(template, item["triplet"]), "prompt"),
            Segment(f" {item['label']}{tokenizer.eos_token}", "response"),
        ]
        return encode(segments, {"response"}, tokenizer, max_length=settings.max_length)

    return run_training(model, tokenizer, _Dataset(items, encode_item), settings, out_dir)
