"""Post-training with the real LLaMA-Factory on tiny models (docs/method.md §7)."""

import json
import re

import pytest
import torch

from adamllm.core.errors import BadInputError
from adamllm.core.io import write_json
from adamllm.data.posttrain_data import RECIPES, dataset_info, format_record
from adamllm.generation.backends import Request, Sampling, load_backend
from adamllm.models.families import get_family
from adamllm.models.tiny_models import build_tiny_model
from adamllm.training.deepspeed import deepspeed_config
from adamllm.training.posttrain import (
    PostTrainSettings,
    llamafactory_args,
    post_train,
    train_in_process,
    vision_learning_rate,
)

pytestmark = pytest.mark.slow  # trains models

TARGETS = ["qwen2_vl", "llava_next_llama3", "mllama", "qwen2_5_vl", "qwen3_vl", "gemma3", "internvl"]  # paper's, newer
TINY = {"cutoff_len": 512, "bf16": False, "deepspeed": False, "max_steps": 1, "per_device_batch_size": 1,
        "gradient_accumulation_steps": 1, "image_max_pixels": 12544, "image_min_pixels": 3136}  # fmt: skip


@pytest.fixture(scope="module")
def tiny_models(tmp_path_factory, tiny_corpus):
    folder = tmp_path_factory.mktemp("targets")
    for family in TARGETS:
        build_tiny_model(family, folder / family, tiny_corpus, vocab_size=800)
    return folder


@pytest.fixture
def dataset(tmp_path, make_image):
    """Post-training data written by our formatter: a caption task and a synthetic task per image."""
    image = make_image("img/cell.jpg")
    triplet = {"Q": "How many nuclei?", "precise_A": "2", "informative_A": "Two dark nuclei are visible"}
    items = [
        {"id": i, "image": str(image), "instruction": "<image>Describe the image.", "caption": "A cell.",
         "triplet": triplet, "consistent": True}
        for i in range(3)
    ]  # fmt: skip
    records = [format_record(item, RECIPES["single_stage"], 42, True) for item in items]
    folder = tmp_path / "data"
    write_json(folder / "data.json", records)
    write_json(folder / "dataset_info.json", dataset_info("demo", "data.json"))
    return folder, records


@pytest.mark.parametrize("family", TARGETS)
def test_llamafactory_loads_and_encodes_our_data(family, tiny_models, dataset, tmp_path):
    from llamafactory.data import get_dataset, get_template_and_fix_tokenizer
    from llamafactory.hparams import get_train_args
    from llamafactory.model import load_tokenizer

    folder, records = dataset
    args = llamafactory_args(family, tiny_models / family, folder, "demo", "/", tmp_path / "out",
                             PostTrainSettings(**TINY))  # fmt: skip
    model_args, data_args, training_args, _, _ = get_train_args(args)
    tokenizer_module = load_tokenizer(model_args)
    tokenizer = tokenizer_module["tokenizer"]
    template = get_template_and_fix_tokenizer(tokenizer, data_args)
    train = get_dataset(template, model_args, data_args, training_args, "sft", **tokenizer_module)["train_dataset"]
    assert len(train) == len(records)
    row = train[0]
    image_id = tokenizer.convert_tokens_to_ids(tokenizer_module["processor"].image_token)
    assert image_id in row["input_ids"]  # the image placeholder became the model's image token(s)
    trained = tokenizer.decode([t for t in row["labels"] if t != -100])
    for message in records[0]["messages"]:
        if message["role"] == "assistant":
            assert message["content"] in trained
        else:
            assert message["content"].replace("<image>", "") not in trained  # user turns are masked


def image_tokens_both_ways(family, model, size, settings: dict, tmp_path):
    """(image tokens LLaMA-Factory trains on, image tokens the model's own processor evaluates) for one image of
    ``size`` in a record written by our formatter."""
    from llamafactory.data import get_dataset, get_template_and_fix_tokenizer
    from llamafactory.hparams import get_train_args
    from llamafactory.model import load_tokenizer
    from PIL import Image

    image = tmp_path / "image.jpg"
    Image.new("RGB", size, (200, 30, 30)).save(image)
    triplet = {"Q": "How many?", "precise_A": "2", "informative_A": "Two"}
    item = {"id": 0, "image": str(image), "instruction": "<image>Describe.", "caption": "A cell.",
            "triplet": triplet, "consistent": True}  # fmt: skip
    write_json(tmp_path / "data" / "data.json", [format_record(item, RECIPES["single_stage"], 42, True)])
    write_json(tmp_path / "data" / "dataset_info.json", dataset_info("demo", "data.json"))
    args = llamafactory_args(family, model, tmp_path / "data", "demo", "/", tmp_path / "out",
                             PostTrainSettings(**settings))  # fmt: skip
    model_args, data_args, training_args, _, _ = get_train_args(args)
    module = load_tokenizer(model_args)
    template = get_template_and_fix_tokenizer(module["tokenizer"], data_args)
    row = get_dataset(template, model_args, data_args, training_args, "sft", **module)["train_dataset"][0]
    processor = module["processor"]
    image_id = module["tokenizer"].convert_tokens_to_ids(processor.image_token)
    messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "Describe."}]}]
    prompt = processor.apply_chat_template(messages, add_generation_prompt=True)
    evaluated = list(processor(images=[Image.open(image)], text=[prompt])["input_ids"][0])
    return row["input_ids"].count(image_id), evaluated.count(image_id)


@pytest.mark.parametrize("family", [f for f in TARGETS if get_family(f).chat.image_pixels is None])
def test_training_sees_an_image_as_evaluation_does(family, tiny_models, tmp_path):
    """Where evaluation gives the processor no pixel range, LLaMA-Factory must turn an image into as many image
    tokens as the model's own processor does at evaluation (InternVL: tiles and a thumbnail, not one tile).
    The image, 120 × 60, is two of the InternVL stand-in's tiles, within TINY's pixel range."""
    trained, evaluated = image_tokens_both_ways(family, tiny_models / family, (120, 60), TINY, tmp_path)
    assert trained == evaluated > 0


@pytest.mark.parametrize("family", [f for f in TARGETS if get_family(f).llamafactory_args.get("crop_to_patches")])
def test_a_large_image_is_tiled_alike_in_training_and_evaluation(family, tiny_models, tmp_path):
    """A processor that tiles chooses its grid by the image's size, so LLaMA-Factory must not shrink the image
    first: with the stand-in's processor at a hub checkpoint's tile size (448 pixels) and the family's own image
    cap, a 1600 × 800 image becomes as many image tokens in training as at evaluation (768·768 would make 3 tiles
    of it in training, 9 at evaluation)."""
    import shutil

    model = tmp_path / "model"
    shutil.copytree(tiny_models / family, model)
    config = json.loads((model / "processor_config.json").read_text())
    config["image_processor"]["size"] = {"height": 448, "width": 448}
    (model / "processor_config.json").write_text(json.dumps(config))
    own_cap = {key: value for key, value in TINY.items() if key != "image_max_pixels"}
    trained, evaluated = image_tokens_both_ways(family, model, (1600, 800), own_cap, tmp_path)
    assert trained == evaluated > 4 * config["image_seq_length"]


@pytest.mark.parametrize(
    "family,template,lr,wd,warmup,zero",
    [("qwen2_vl", "qwen2_vl", 1e-5, 0.1, 0.1, 2), ("llava_next_llama3", "llava_next_llama3", 2e-5, 0.0, 0.03, 3),
     ("mllama", "mllama", 5e-6, 0.1, 0.1, 3),
     ("qwen2_5_vl", "qwen2_vl", 1e-5, 0.1, 0.1, 2), ("qwen3_vl", "qwen3_vl_nothink", 1e-5, 0.1, 0.1, 2),
     ("gemma3", "gemma3", 1e-5, 0.1, 0.1, 2), ("internvl", "intern_vl", 1e-5, 0.1, 0.1, 2)],
)  # fmt: skip
def test_arguments_follow_spec_table(family, template, lr, wd, warmup, zero, tmp_path):
    args = llamafactory_args(family, "m", tmp_path, "d", ".", tmp_path / "o", PostTrainSettings())
    assert (args["template"], args["learning_rate"], args["weight_decay"], args["warmup_ratio"]) == (
        template,
        lr,
        wd,
        warmup,
    )
    assert (args["finetuning_type"], args["num_train_epochs"], args["lr_scheduler_type"]) == ("full", 1.0, "cosine")
    assert json.loads(open(args["deepspeed"]).read())["zero_optimization"]["stage"] == zero
    assert deepspeed_config(f"zero{zero}") == args["deepspeed"]


def test_a_newer_family_has_its_own_defaults_and_no_paper_value(tmp_path):
    """Qwen2.5-VL: the paper trained none, so both readings give the family's own values: the authors' later
    Qwen2.5-VL-3B release (lr 1e-5, global batch 128 on 8 GPUs) on LLaMA-Factory 0.9.5's defaults (vision tower
    frozen, images at most 768·768 pixels; SPEC, "What the authors' commands actually ran")."""
    from adamllm.workflow.readings import own_defaults, reading_args

    for reading in ("paper", "reference_code"):
        args = llamafactory_args("qwen2_5_vl", "m", tmp_path, "d", ".", tmp_path / "o", PostTrainSettings(reading))
        batch = args["per_device_train_batch_size"] * args["gradient_accumulation_steps"] * 8
        assert (args["learning_rate"], batch, args["freeze_vision_tower"]) == (1e-5, 128, True)
        assert args["image_max_pixels"] == 768 * 768
        assert "learning_rate" not in reading_args("posttrain", reading, "qwen2_5_vl")  # nothing to hold it to
    assert own_defaults("posttrain", "qwen2_5_vl").startswith("no paper value")
    assert own_defaults("posttrain", "qwen2_vl") is None and own_defaults("predict", "qwen2_5_vl") is None


# The rates each family trains with (LLM & projector / vision): the paper's (Table 10), and for Qwen2.5-VL,
# whose own defaults freeze the tower, its learning rate with a vision rate given; and, independently of
# LLaMA-Factory's tables, how each family's transformers model names its vision tower's parameters.
PAPER_RATES = {"qwen2_vl": (1e-5, 1e-5), "llava_next_llama3": (2e-5, 2e-6), "mllama": (5e-6, 5e-6),
               "qwen2_5_vl": (1e-5, 2e-6), "qwen3_vl": (1e-5, 2e-6), "gemma3": (1e-5, 2e-6),
               "internvl": (1e-5, 2e-6)}  # fmt: skip
GIVEN = {family: {"vision_learning_rate": 2e-6} for family in ("qwen2_5_vl", "qwen3_vl", "gemma3", "internvl")}
VISION_TOWER = {
    "qwen2_vl": lambda name: ".visual." in f".{name}" and ".merger." not in name,
    "qwen2_5_vl": lambda name: ".visual." in f".{name}" and ".merger." not in name,
    # Qwen3-VL: the DeepStack mergers feeding the tower's middle layers to the LLM count with the tower.
    "qwen3_vl": lambda name: ".visual." in f".{name}" and ".visual.merger." not in f".{name}",
    "llava_next_llama3": lambda name: ".vision_tower." in f".{name}",
    "gemma3": lambda name: ".vision_tower." in f".{name}",
    "internvl": lambda name: ".vision_tower." in f".{name}",
    "mllama": lambda name: ".vision_model." in f".{name}",
}


@pytest.mark.parametrize("family", TARGETS)
def test_optimizer_trains_the_vision_tower_at_its_own_rate(family, tiny_models, dataset, tmp_path):
    """The paper's two learning rates (LLaVA: LLM and projector 2e-5, vision tower 2e-6; the others one
    rate): every parameter is trained, each in the group of its rate (read off the real optimizer)."""
    from transformers import TrainerCallback

    folder, _ = dataset
    settings = PostTrainSettings(**TINY, **GIVEN.get(family, {}))  # learning rates from the family registry
    args = llamafactory_args(family, tiny_models / family, folder, "demo", "/", tmp_path / "out", settings)
    seen = {}

    class Record(TrainerCallback):
        def on_train_begin(self, args, state, control, model=None, optimizer=None, **kwargs):
            names = {id(p): n for n, p in model.named_parameters()}
            seen["all"] = set(names.values())
            seen["rate"] = {
                names[id(p)]: g.get("initial_lr", g["lr"]) for g in optimizer.param_groups for p in g["params"]
            }

    train_in_process(args, vision_learning_rate(family, settings), callbacks=[Record()])
    llm_rate, vision_rate = PAPER_RATES[family]
    assert args["learning_rate"] == llm_rate
    assert set(seen["rate"]) == seen["all"]  # nothing frozen: vision tower and projector train too
    vision = {name for name in seen["all"] if VISION_TOWER[family](name)}
    assert vision and len(vision) < len(seen["all"])
    assert {seen["rate"][name] for name in vision} == {vision_rate}
    assert {rate for name, rate in seen["rate"].items() if name not in vision} == {llm_rate}
    assert any("projector" in name or "merger" in name for name in seen["all"] - vision)


# What the reference's commands ran (SPEC, "What the authors' commands actually ran"): LLaMA-Factory's
# late-2024 defaults froze the vision tower and capped images at 512·512 pixels; Llama-3.2 at 1e-5.
REFERENCE_CODE = {"qwen2_vl": 1e-5, "mllama": 1e-5}


@pytest.mark.parametrize("family", sorted(REFERENCE_CODE))
def test_reference_code_reading_freezes_the_vision_tower(family, tiny_models, dataset, tmp_path):
    """Under reference_code the vision tower receives no update (its weights byte-identical after a training
    step) while the projector and the LLM change; LLaMA-Factory is given the 512·512-pixel cap."""
    import torch
    from llamafactory.hparams import get_train_args
    from transformers import TrainerCallback

    folder, _ = dataset
    tiny = {key: value for key, value in TINY.items() if key != "image_max_pixels"}  # the reading's cap
    # two steps: the first, the warm-up's, runs at a learning rate of zero
    settings = PostTrainSettings(**{**tiny, "max_steps": 2}, reading="reference_code")
    args = llamafactory_args(family, tiny_models / family, folder, "demo", "/", tmp_path / "out", settings)
    assert get_train_args(dict(args))[0].image_max_pixels == 512 * 512
    weights = {}

    class Snapshot(TrainerCallback):
        def on_train_begin(self, args, state, control, model=None, **kwargs):
            weights["before"] = {n: p.detach().clone() for n, p in model.named_parameters()}

        def on_train_end(self, args, state, control, model=None, optimizer=None, **kwargs):
            weights["after"] = {n: p.detach().clone() for n, p in model.named_parameters()}
            weights["rates"] = {g.get("initial_lr", g["lr"]) for g in optimizer.param_groups}

    train_in_process(args, vision_learning_rate(family, settings), callbacks=[Snapshot()])
    before, after = weights["before"], weights["after"]
    changed = {name for name in before if not torch.equal(before[name], after[name])}
    vision = {name for name in before if VISION_TOWER[family](name)}
    assert vision and not vision & changed  # the vision tower is exactly as it was
    assert any("projector" in name or "merger" in name for name in changed)
    assert any(name not in vision and "projector" not in name and "merger" not in name for name in changed)
    assert weights["rates"] == {REFERENCE_CODE[family]}


def test_empty_recipe_data_stops_with_a_clear_message(tmp_path, tiny_models):
    write_json(tmp_path / "data.json", [])
    write_json(tmp_path / "dataset_info.json", dataset_info("d", "data.json"))
    with pytest.raises(BadInputError, match="data.json: the recipe's training data is empty"):
        post_train("qwen2_vl", tiny_models / "qwen2_vl", tmp_path / "data.json", tmp_path / "dataset_info.json",
                   tmp_path / "out", tmp_path / "l.json", tmp_path / "l.png", TINY)  # fmt: skip
    assert not (tmp_path / "out").exists()


def test_interrupted_training_leaves_no_checkpoint(tmp_path, tiny_models, dataset, monkeypatch):
    import adamllm.training.posttrain as posttrain

    def crash(*args):
        (tmp_path / "out.partial").mkdir(exist_ok=True)
        (tmp_path / "out.partial" / "model.safetensors").write_text("half")
        raise KeyboardInterrupt

    monkeypatch.setattr(posttrain, "run_llamafactory", crash)
    folder, _ = dataset
    with pytest.raises(KeyboardInterrupt):
        post_train("qwen2_vl", tiny_models / "qwen2_vl", folder / "data.json", folder / "dataset_info.json",
                   tmp_path / "out", tmp_path / "l.json", tmp_path / "l.png", TINY)  # fmt: skip
    assert not (tmp_path / "out").exists() and not (tmp_path / "l.json").exists()


def describe(checkpoint, family, image) -> str:
    """What a checkpoint answers about an image through the transformers backend (it loads and generates)."""
    backend = load_backend("transformers", str(checkpoint), family)
    prompt = backend.processor.apply_chat_template(
        [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "What is it?"}]}],
        add_generation_prompt=True,
    )
    (text,) = backend.generate([Request(prompt, str(image))], Sampling(max_new_tokens=3))
    return text


@pytest.mark.parametrize("family", ["qwen2_vl", "qwen2_5_vl", "internvl"])
def test_training_starts_clean_and_leaves_a_loadable_checkpoint(family, tmp_path, tiny_models, dataset, make_image):
    folder, _ = dataset
    stale = tmp_path / "out.partial"
    stale.mkdir()
    (stale / "checkpoint-99").mkdir()  # what an interrupted run might leave behind
    post_train(family, tiny_models / family, folder / "data.json", folder / "dataset_info.json",
               tmp_path / "out", tmp_path / "l.json", tmp_path / "l.png", TINY)  # fmt: skip
    assert not stale.exists() and not (tmp_path / "out" / "checkpoint-99").exists()
    assert [p["step"] for p in json.loads((tmp_path / "l.json").read_text())] == [1]
    assert (tmp_path / "l.png").read_bytes()[:4] == b"\x89PNG"
    assert isinstance(describe(tmp_path / "out", family, make_image("x.jpg")), str)


def test_general_task_record_uses_a_seed_question_answered_both_ways():
    from adamllm.data.posttrain_data import general_record

    seed = {
        "image": "seed/x.jpg",
        "task_name": "t",
        "caption": "c",
        "precise": [["Other?", "no"], ["How many?", "3"]],
        "informative": [["How many?", "Three circles are drawn"]],
    }
    record = general_record(seed, 0, 42)
    assert record["images"] == ["seed/x.jpg"]
    (user, assistant) = record["messages"]
    assert user["content"].startswith("<image>") and "How many?" in user["content"]
    assert assistant["content"].index("Three circles are drawn") < assistant["content"].rindex("3")


def test_training_logs_go_to_tensorboard_beside_the_loss_curve(tmp_path, tiny_models, dataset):
    """report_to: [tensorboard] (the real TensorBoard): the checkpoint holds its event files, whose train/loss
    scalars are the losses of the workflow's own loss curve."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    folder, _ = dataset
    settings = {**TINY, "max_steps": 2, "report_to": ["tensorboard"]}
    post_train("qwen2_vl", tiny_models / "qwen2_vl", folder / "data.json", folder / "dataset_info.json",
               tmp_path / "out", tmp_path / "l.json", tmp_path / "l.png", settings)  # fmt: skip
    (events,) = {path.parent for path in (tmp_path / "out").rglob("events.out.tfevents.*")}
    accumulator = EventAccumulator(str(events))
    accumulator.Reload()
    logged = [(event.step, event.value) for event in accumulator.Scalars("train/loss")]
    curve = [(point["step"], point["loss"]) for point in json.loads((tmp_path / "l.json").read_text())]
    assert [step for step, _ in logged] == [step for step, _ in curve] == [1, 2]
    assert [value for _, value in logged] == pytest.approx([value for _, value in curve], rel=1e-6)


def test_a_missing_logging_package_stops_before_training(tmp_path, tiny_models, dataset):
    from adamllm.training.reporting import require_integrations

    folder, _ = dataset
    settings = {**TINY, "report_to": ["wandb"]}
    with pytest.raises(BadInputError, match=r"^posttrain.settings.report_to: wandb needs the wandb package .*pip"):
        post_train("qwen2_vl", tiny_models / "qwen2_vl", folder / "data.json", folder / "dataset_info.json",
                   tmp_path / "out", tmp_path / "l.json", tmp_path / "l.png", settings)  # fmt: skip
    assert not list(tmp_path.glob("out*"))  # nothing written: no checkpoint, no partial one
    with pytest.raises(BadInputError, match="^key: unknown integration 'comet'"):
        require_integrations(["comet"], "key")
    require_integrations(["tensorboard"], "key")  # installed: no complaint


# Independently of LLaMA-Factory's tables: how each family's checkpoint names its projector, its vision tower,
# and the language model's linear layers that LoRA adapts.
PROJECTOR = {"qwen2_vl": "visual.merger.", "qwen2_5_vl": "visual.merger.", "qwen3_vl": "visual.merger.",
             "llava_next_llama3": "multi_modal_projector.", "mllama": "multi_modal_projector.",
             "gemma3": "multi_modal_projector.", "internvl": "multi_modal_projector."}  # fmt: skip
TOWER = (".visual.", ".vision_tower.", ".vision_model.")
LINEAR = re.compile(r"layers\.\d+\.(self_attn|cross_attn|mlp)\.(q|k|v|o|gate|up|down)_proj\.weight$")


def tensors(folder):
    from safetensors.torch import load_file

    found = {}
    for shard in sorted(folder.glob("*.safetensors")):
        found.update(load_file(shard))
    return found


@pytest.mark.parametrize("family", TARGETS)
def test_lora_changes_only_the_adapted_layers_and_the_projector(family, tiny_models, dataset, tmp_path, make_image):
    """LoRA (rank 8, vision tower frozen): the adapter holds LoRA matrices and the projector, nothing else;
    merged into the base, only the language model's linear layers and the projector differ from the base,
    every other tensor byte-identical; the merged checkpoint loads and generates."""
    folder, _ = dataset
    settings = {**TINY, "max_steps": 2, "learning_rate": 1e-2, "finetuning_type": "lora"}
    post_train(family, tiny_models / family, folder / "data.json", folder / "dataset_info.json", tmp_path / "out",
               tmp_path / "l.json", tmp_path / "l.png", settings)  # fmt: skip
    adapter = tensors(tmp_path / "out" / "adapter")
    assert {key for key in adapter if ".lora_A." not in key and ".lora_B." not in key} == {
        key for key in adapter if PROJECTOR[family] in key
    }
    assert any(PROJECTOR[family] in key for key in adapter)
    base, merged = tensors(tiny_models / family), tensors(tmp_path / "out")
    assert base.keys() == merged.keys()
    changed = {key for key in base if not torch.equal(base[key], merged[key])}
    adapted = {key for key in changed if LINEAR.search(key) and not any(t in f".{key}" for t in TOWER)}
    projector = {key for key in changed if PROJECTOR[family] in key}
    assert adapted and projector and changed == adapted | projector
    assert isinstance(describe(tmp_path / "out", family, make_image("x.jpg")), str)


@pytest.mark.parametrize("family", TARGETS)
def test_lora_with_the_vision_tower_trained_whole(family, tiny_models, dataset, tmp_path, make_image):
    """``lora_vision: full``: the tower trains whole beside the adapters, at its own rate (the two-rate optimizer,
    read off the real optimizer); the adapter holds LoRA matrices, the projector and the tower; merged, exactly the
    adapted linear layers, the projector and the tower's tensors differ from the base."""
    from transformers import TrainerCallback

    folder, _ = dataset
    rates = {}

    class Record(TrainerCallback):
        def on_train_begin(self, args, state, control, model=None, optimizer=None, **kwargs):
            names = {id(p): n for n, p in model.named_parameters()}
            rates.update({names[id(p)]: g.get("initial_lr", g["lr"]) for g in optimizer.param_groups
                          for p in g["params"]})  # fmt: skip

    settings = {**TINY, "max_steps": 2, "learning_rate": 1e-2, "vision_learning_rate": 1e-3,
                "finetuning_type": "lora", "lora_vision": "full"}  # fmt: skip
    original = train_in_process
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("adamllm.training.posttrain.train_in_process",
                      lambda args, rate, **kw: original(args, rate, callbacks=[Record()], **kw))  # fmt: skip
        post_train(family, tiny_models / family, folder / "data.json", folder / "dataset_info.json",
                   tmp_path / "out", tmp_path / "l.json", tmp_path / "l.png", settings)  # fmt: skip
    tower = {name for name in rates if VISION_TOWER[family](name) and ".lora_" not in name}
    assert tower and {rates[name] for name in tower} == {1e-3}
    assert {rate for name, rate in rates.items() if name not in tower} == {1e-2}
    adapter = tensors(tmp_path / "out" / "adapter")
    whole = {key for key in adapter if ".lora_A." not in key and ".lora_B." not in key}
    assert whole == {key for key in adapter if PROJECTOR[family] in key or VISION_TOWER[family](key)}
    assert {key for key in whole if VISION_TOWER[family](key)}  # the tower, beside the adapter
    base, merged = tensors(tiny_models / family), tensors(tmp_path / "out")
    assert base.keys() == merged.keys()
    changed = {key for key in base if not torch.equal(base[key], merged[key])}
    in_tower = {key for key in base if VISION_TOWER[family](key)}
    adapted = {key for key in changed if LINEAR.search(key) and key not in in_tower}
    projector = {key for key in changed if PROJECTOR[family] in key}
    assert adapted and projector and changed - adapted - projector <= in_tower
    assert len(changed & in_tower) >= len(in_tower) // 2  # the tower trained (a few tensors may get no gradient)
    assert isinstance(describe(tmp_path / "out", family, make_image("x.jpg")), str)


def test_qlora_is_planned_here_and_stops_on_a_machine_without_cuda(tmp_path, tiny_models, dataset):
    """QLoRA needs a CUDA GPU (bitsandbytes): its arguments are LoRA's with 4-bit base weights, and a run
    without CUDA stops with one line before any model loads (benchmarks/qlora_device_check.py runs it on a GPU)."""
    args = llamafactory_args(
        "qwen2_vl", "m", tmp_path, "d", ".", tmp_path / "o", PostTrainSettings(finetuning_type="qlora")
    )
    assert (args["finetuning_type"], args["quantization_bit"], args["additional_target"]) == (
        "lora",
        4,
        "visual.merger",
    )
    assert args["freeze_vision_tower"] is True and args["lora_target"] == "all"
    with pytest.raises(ValueError, match="unknown finetuning_type 'dora'"):
        llamafactory_args(
            "qwen2_vl", "m", tmp_path, "d", ".", tmp_path / "o", PostTrainSettings(finetuning_type="dora")
        )
    folder, _ = dataset
    if not torch.cuda.is_available():
        with pytest.raises(BadInputError, match="^posttrain.settings.finetuning_type: qlora .* needs a CUDA GPU"):
            post_train("qwen2_vl", tiny_models / "qwen2_vl", folder / "data.json", folder / "dataset_info.json",
                       tmp_path / "out", tmp_path / "l.json", tmp_path / "l.png",
                       {**TINY, "finetuning_type": "qlora"})  # fmt: skip
        assert not list(tmp_path.glob("out*"))
