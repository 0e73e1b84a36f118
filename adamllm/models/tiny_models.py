"""Tiny, seeded, randomly initialised models of each family, saved like hub checkpoints.

They let the demo drive exactly the code that runs the real models, on 2 CPU cores.
Sizes follow what transformers and vLLM accept (vLLM needs head_dim 32 or more on CPU).
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

from adamllm.models.checkpoints import vllm_compatible

LLAMA3_SPECIALS = [
    "<|begin_of_text|>",
    "<|end_of_text|>",
    "<|start_header_id|>",
    "<|end_header_id|>",
    "<|eot_id|>",
    "<|finetune_right_pad_id|>",
    "<|reserved_special_token_4|>",
    "<image>",
    "<|image|>",
]
QWEN2_SPECIALS = [
    "<|endoftext|>",
    "<|im_start|>",
    "<|im_end|>",
    "<|vision_start|>",
    "<|vision_end|>",
    "<|image_pad|>",
    "<|video_pad|>",
]

INTERNVL_SPECIALS = [*QWEN2_SPECIALS[:3], "<img>", "</img>", "<IMG_CONTEXT>", "<video>"]
INTERNVL_IMAGE_TOKENS = {"start_image_token": "<img>", "end_image_token": "</img>",
                         "context_image_token": "<IMG_CONTEXT>", "video_token": "<video>"}  # fmt: skip

GEMMA3_SPECIALS = [
    "<pad>",
    "<eos>",
    "<bos>",
    "<unk>",
    "<start_of_turn>",
    "<end_of_turn>",
    "<start_of_image>",
    "<end_of_image>",
    "<image_soft_token>",
]


# The language model of the tiny Qwen-VL and Gemma-3 stand-ins (vLLM on CPU needs head_dim 32 or more).
TINY_TEXT = {"hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 2,
             "num_key_value_heads": 1, "max_position_embeddings": 4096}  # fmt: skip

# The vision tower of the tiny Gemma-3 and InternVL stand-ins: a ViT of 4 × 4 patches of 14 pixels on a 56-pixel image.
TINY_VIT = {"hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 2,
            "image_size": 56, "patch_size": 14}  # fmt: skip


# Llama-3's pre-tokenisation split: newline runs stay one piece, so a prompt that ends in "\n\n"
# tokenizes as the same prefix of the longer training text.
SPLIT_PATTERN = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
    r"|\s*[\r\n]+|\s+(?!\S)|\s+"
)


def _llama3_chat_template(image_token: str) -> str:
    return (
        "{{ bos_token }}{% for message in messages %}"
        "<|start_header_id|>{{ message['role'] }}<|end_header_id|>\n\n"
        "{% if message['content'] is string %}{{ message['content'] }}{% else %}"
        "{% for part in message['content'] %}{% if part['type'] == 'image' %}" + image_token + "\n"
        "{% else %}{{ part['text'] }}{% endif %}{% endfor %}{% endif %}<|eot_id|>{% endfor %}"
        "{% if add_generation_prompt %}<|start_header_id|>assistant<|end_header_id|>\n\n{% endif %}"
    )


QWEN_VL_TURNS = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}{% else %}"
    "{% for part in message['content'] %}{% if part['type'] == 'image' %}"
    "<|vision_start|><|image_pad|><|vision_end|>{% else %}{{ part['text'] }}{% endif %}{% endfor %}{% endif %}"
    "<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
QWEN2_VL_CHAT_TEMPLATE = (
    "{% if messages[0]['role'] != 'system' %}<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n{% endif %}"
    + QWEN_VL_TURNS
)
QWEN3_VL_CHAT_TEMPLATE = QWEN_VL_TURNS  # Qwen3-VL adds no system turn of its own
INTERNVL_CHAT_TEMPLATE = QWEN_VL_TURNS.replace("<|vision_start|><|image_pad|><|vision_end|>", "<IMG_CONTEXT>\n")


GEMMA3_CHAT_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}"
    "<start_of_turn>{{ 'model' if message['role'] == 'assistant' else message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}{% else %}{% for part in message['content'] %}"
    "{% if part['type'] == 'image' %}<start_of_image>{% else %}{{ part['text'] }}{% endif %}{% endfor %}{% endif %}"
    "<end_of_turn>\n{% endfor %}{% if add_generation_prompt %}<start_of_turn>model\n{% endif %}"
)


def train_tokenizer(corpus_files, specials: list[str], vocab_size: int):
    """A byte-level BPE trained on local text, with the family's special tokens first in the vocabulary."""
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(SPLIT_PATTERN), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train([str(f) for f in sorted(corpus_files)], trainer)
    return tokenizer


def _wrap(tokenizer, cls, **tokens):
    wrapped = cls(tokenizer_object=tokenizer, **tokens)
    wrapped.model_max_length = 8192
    return wrapped


def _llama3_tokenizer(corpus_files, vocab_size: int, chat_template: str | None):
    """Llama-3-like: adds ``<|begin_of_text|>`` when asked for special tokens, as Llama-3 does."""
    from tokenizers import processors
    from transformers import PreTrainedTokenizerFast

    trained = train_tokenizer(corpus_files, LLAMA3_SPECIALS, vocab_size)
    bos = ("<|begin_of_text|>", trained.token_to_id("<|begin_of_text|>"))
    trained.post_processor = processors.TemplateProcessing(
        single=f"{bos[0]} $A", pair=f"{bos[0]} $A {bos[0]} $B", special_tokens=[bos]
    )
    tok = _wrap(
        trained,
        PreTrainedTokenizerFast,
        bos_token="<|begin_of_text|>",
        eos_token="<|eot_id|>",
        pad_token="<|finetune_right_pad_id|>",
    )
    tok.add_special_tokens({"additional_special_tokens": LLAMA3_SPECIALS[2:]})
    if chat_template:
        tok.chat_template = chat_template
    return tok


def _tiny_llama_config(tok, **extra):
    from transformers import LlamaConfig

    return LlamaConfig(
        vocab_size=len(tok),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=1,
        head_dim=32,
        max_position_embeddings=4096,
        bos_token_id=tok.bos_token_id,
        eos_token_id=[tok.convert_tokens_to_ids(t) for t in ("<|eot_id|>", "<|end_of_text|>")],
        pad_token_id=tok.pad_token_id,
        tie_word_embeddings=False,
        **extra,
    )


def build_llama(out: Path, corpus_files, vocab_size: int):
    """A tiny text-only Llama with a Llama-3 tokenizer (the consistency checker's family)."""
    from transformers import LlamaForCausalLM

    tok = _llama3_tokenizer(corpus_files, vocab_size, None)
    model = LlamaForCausalLM(_tiny_llama_config(tok))
    return model, tok


def _llava_next(out: Path, corpus_files, vocab_size: int, image_token: str):
    from transformers import (
        CLIPVisionConfig,
        LlavaNextConfig,
        LlavaNextForConditionalGeneration,
        LlavaNextImageProcessor,
        LlavaNextProcessor,
    )

    tok = _llama3_tokenizer(corpus_files, vocab_size, _llama3_chat_template(image_token))
    vision = CLIPVisionConfig(
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=2,
        image_size=32,
        patch_size=8,
        projection_dim=64,
    )
    pinpoints = [[32, 32], [32, 64], [64, 32], [64, 64]]
    config = LlavaNextConfig(
        vision_config=vision,
        text_config=_tiny_llama_config(tok),
        image_token_index=tok.convert_tokens_to_ids(image_token),
        image_grid_pinpoints=pinpoints,
        vision_feature_layer=-1,
        vision_feature_select_strategy="default",
        tie_word_embeddings=False,
    )
    model = LlavaNextForConditionalGeneration(config)
    image_processor = LlavaNextImageProcessor(
        size={"shortest_edge": 32},
        crop_size={"height": 32, "width": 32},
        image_grid_pinpoints=pinpoints,
    )
    processor = LlavaNextProcessor(
        image_processor=image_processor,
        tokenizer=tok,
        patch_size=8,
        vision_feature_select_strategy="default",
        num_additional_image_tokens=1,
        chat_template=tok.chat_template,
        image_token=image_token,
    )
    return model, processor


def build_llava_next_synthesizer(out: Path, corpus_files, vocab_size: int):
    """LLaVA-NeXT in the synthesizer's Llama-3 format, image token ``<|reserved_special_token_4|>``."""
    return _llava_next(out, corpus_files, vocab_size, "<|reserved_special_token_4|>")


def build_llava_next_llama3(out: Path, corpus_files, vocab_size: int):
    """LLaVA-NeXT-Llama3 as in ``llava-hf/llama3-llava-next-8b-hf`` (image token ``<image>``)."""
    return _llava_next(out, corpus_files, vocab_size, "<image>")


def _qwen2_tokenizer(corpus_files, vocab_size: int, specials: list[str], chat_template: str, **tokens):
    """Qwen2's tokenizer (no BOS, ``<|im_end|>`` ends a turn) over ``specials``, ``<|endoftext|>`` first."""
    from transformers import Qwen2TokenizerFast

    tok = _wrap(
        train_tokenizer(corpus_files, specials, vocab_size),
        Qwen2TokenizerFast,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        unk_token=None,
        bos_token=None,
        **tokens,
    )
    tok.add_special_tokens({"additional_special_tokens": specials[1:]})
    tok.chat_template = chat_template
    return tok


def _qwen_vl(corpus_files, vocab_size: int, config_class, model_class, processor_class, vision_config: dict,
             text: dict | None = None, patch_size: int = 14, chat_template: str = QWEN2_VL_CHAT_TEMPLATE):  # fmt: skip
    """A tiny Qwen-VL of one generation (2, 2.5, 3) with its own tokenizer, image and video processors."""
    from transformers import Qwen2VLImageProcessor, Qwen2VLVideoProcessor

    tok = _qwen2_tokenizer(corpus_files, vocab_size, QWEN2_SPECIALS, chat_template)
    ids = tok.convert_tokens_to_ids
    config = config_class(
        text_config={
            "vocab_size": len(tok),
            **TINY_TEXT,
            "rope_parameters": {"rope_type": "default", "rope_theta": 10000.0, "mrope_section": [4, 6, 6]},
            "eos_token_id": ids("<|im_end|>"),
            "pad_token_id": ids("<|endoftext|>"),
            "tie_word_embeddings": False,
            **(text or {}),
        },
        vision_config={
            "depth": 2,
            "num_heads": 2,
            "patch_size": 14,
            "spatial_merge_size": 2,
            "temporal_patch_size": 2,
            **vision_config,
        },  # fmt: skip
        image_token_id=ids("<|image_pad|>"),
        video_token_id=ids("<|video_pad|>"),
        vision_start_token_id=ids("<|vision_start|>"),
        vision_end_token_id=ids("<|vision_end|>"),
        tie_word_embeddings=False,
    )
    model = model_class(config)
    model.generation_config.eos_token_id = ids("<|im_end|>")
    side = patch_size * 2  # a merged 2 × 2 patch
    pixels = {"min_pixels": side * side * 4, "max_pixels": side * side * 16, "patch_size": patch_size}
    processor = processor_class(
        image_processor=Qwen2VLImageProcessor(**pixels),
        video_processor=Qwen2VLVideoProcessor(**pixels),
        tokenizer=tok,
        chat_template=chat_template,
    )
    return model, processor


def build_qwen2_vl(out: Path, corpus_files, vocab_size: int):
    """A tiny Qwen2-VL."""
    from transformers import Qwen2VLConfig, Qwen2VLForConditionalGeneration, Qwen2VLProcessor

    vision = {"embed_dim": 32, "hidden_size": 64, "mlp_ratio": 2}
    return _qwen_vl(corpus_files, vocab_size, Qwen2VLConfig, Qwen2VLForConditionalGeneration, Qwen2VLProcessor, vision)


def build_qwen2_5_vl(out: Path, corpus_files, vocab_size: int):
    """A tiny Qwen2.5-VL: windowed attention in its first vision block, full attention in its second."""
    from transformers import Qwen2_5_VLConfig, Qwen2_5_VLForConditionalGeneration, Qwen2_5_VLProcessor

    vision = {"hidden_size": 64, "intermediate_size": 128, "out_hidden_size": 64, "window_size": 56,
              "fullatt_block_indexes": [1]}  # fmt: skip
    classes = (Qwen2_5_VLConfig, Qwen2_5_VLForConditionalGeneration, Qwen2_5_VLProcessor)
    return _qwen_vl(corpus_files, vocab_size, *classes, vision)


def build_qwen3_vl(out: Path, corpus_files, vocab_size: int):
    """A tiny Qwen3-VL: 16-pixel patches, learned position embeddings, one DeepStack layer, interleaved M-RoPE."""
    from transformers import Qwen3VLConfig, Qwen3VLForConditionalGeneration, Qwen3VLProcessor

    vision = {"hidden_size": 64, "intermediate_size": 128, "out_hidden_size": 64, "patch_size": 16,
              "num_position_embeddings": 64, "deepstack_visual_indexes": [0]}  # fmt: skip
    text = {"head_dim": 32, "rope_parameters": {"rope_type": "default", "rope_theta": 10000.0,
                                                "mrope_section": [6, 5, 5], "mrope_interleaved": True}}  # fmt: skip
    classes = (Qwen3VLConfig, Qwen3VLForConditionalGeneration, Qwen3VLProcessor)
    return _qwen_vl(
        corpus_files, vocab_size, *classes, vision, text=text, patch_size=16, chat_template=QWEN3_VL_CHAT_TEMPLATE
    )


def build_gemma3(out: Path, corpus_files, vocab_size: int):
    """A tiny Gemma-3: a SigLIP tower of 4 × 4 patches pooled to 4 image tokens, sliding and full attention."""
    from tokenizers import AddedToken, processors
    from transformers import (
        Gemma3Config,
        Gemma3ForConditionalGeneration,
        Gemma3ImageProcessor,
        Gemma3Processor,
        PreTrainedTokenizerFast,
    )

    trained = train_tokenizer(corpus_files, GEMMA3_SPECIALS, vocab_size)
    bos = ("<bos>", trained.token_to_id("<bos>"))
    trained.post_processor = processors.TemplateProcessing(
        single=f"{bos[0]} $A", pair=f"{bos[0]} $A {bos[0]} $B", special_tokens=[bos]
    )
    images = {"boi_token": "<start_of_image>", "eoi_token": "<end_of_image>", "image_token": "<image_soft_token>"}
    tok = _wrap(trained, PreTrainedTokenizerFast, bos_token="<bos>", eos_token="<eos>", pad_token="<pad>",
                unk_token="<unk>", extra_special_tokens=images)  # fmt: skip
    # Gemma's vocabulary has runs of newlines as single tokens, which vLLM's Gemma-3 prompt handling looks up.
    tok.add_tokens([AddedToken("\n" * n, normalized=False, special=False) for n in (1, 2, 3, 4)])
    tok.chat_template = GEMMA3_CHAT_TEMPLATE
    ids = tok.convert_tokens_to_ids
    ends = [ids("<eos>"), ids("<end_of_turn>")]
    config = Gemma3Config(
        text_config={
            "vocab_size": len(tok),
            **TINY_TEXT,
            "head_dim": 32,
            "sliding_window": 512,
            "layer_types": ["sliding_attention", "full_attention"],
            "bos_token_id": ids("<bos>"),
            "eos_token_id": ends,
            "pad_token_id": ids("<pad>"),
        },
        vision_config=TINY_VIT,
        mm_tokens_per_image=4,
        boi_token_index=ids("<start_of_image>"),
        eoi_token_index=ids("<end_of_image>"),
        image_token_index=ids("<image_soft_token>"),
    )
    model = Gemma3ForConditionalGeneration(config)
    # transformers starts Gemma-3's projector at zero (a hub checkpoint's is trained): drawn instead, so that the
    # image reaches the language model and the tower gets gradients from the first step.
    torch.nn.init.normal_(model.model.multi_modal_projector.mm_input_projection_weight, std=config.initializer_range)
    model.generation_config.eos_token_id = ends
    processor = Gemma3Processor(
        image_processor=Gemma3ImageProcessor(size={"height": 56, "width": 56}),
        tokenizer=tok,
        chat_template=GEMMA3_CHAT_TEMPLATE,
        image_seq_length=4,
    )
    return model, processor


def build_internvl(out: Path, corpus_files, vocab_size: int):
    """A tiny InternVL3 in Hugging Face format: an InternViT tower of 4 × 4 patches per 56-pixel tile, pixel-shuffled
    to 4 image tokens per tile, images cut into up to 12 tiles and a thumbnail, a Qwen2 language model."""
    from transformers import (
        GotOcr2ImageProcessor,
        InternVLConfig,
        InternVLForConditionalGeneration,
        InternVLProcessor,
        InternVLVideoProcessor,
    )

    tok = _qwen2_tokenizer(corpus_files, vocab_size, INTERNVL_SPECIALS, INTERNVL_CHAT_TEMPLATE,
                           extra_special_tokens=INTERNVL_IMAGE_TOKENS)  # fmt: skip
    ids = tok.convert_tokens_to_ids
    config = InternVLConfig(
        text_config={
            "model_type": "qwen2",
            "vocab_size": len(tok),
            **TINY_TEXT,
            "head_dim": 32,
            "eos_token_id": ids("<|im_end|>"),
            "pad_token_id": ids("<|endoftext|>"),
            "tie_word_embeddings": False,
        },
        vision_config=TINY_VIT,
        image_token_id=ids("<IMG_CONTEXT>"),
        image_seq_length=4,
        tie_word_embeddings=False,
    )
    model = InternVLForConditionalGeneration(config)
    model.generation_config.eos_token_id = ids("<|im_end|>")
    tile = {"height": 56, "width": 56}
    # The image processor's own switch off: only the processor's call tiles, which LLaMA-Factory does not make
    # unless told (the registry's ``crop_to_patches``; tests/test_posttrain.py checks that both see one image alike).
    processor = InternVLProcessor(
        image_processor=GotOcr2ImageProcessor(size=tile, crop_to_patches=False, min_patches=1, max_patches=12),
        video_processor=InternVLVideoProcessor(size=tile),
        tokenizer=tok,
        image_seq_length=4,
        chat_template=INTERNVL_CHAT_TEMPLATE,
    )
    return model, processor


def build_mllama(out: Path, corpus_files, vocab_size: int):
    """A tiny Llama-3.2-Vision (Mllama): cross-attention text model and a tiled vision encoder."""
    from transformers import MllamaConfig, MllamaForConditionalGeneration, MllamaImageProcessor, MllamaProcessor

    tok = _llama3_tokenizer(corpus_files, vocab_size, _llama3_chat_template("<|image|>"))
    ids = tok.convert_tokens_to_ids
    config = MllamaConfig(
        vision_config={
            "hidden_size": 64,
            "intermediate_size": 128,
            "num_hidden_layers": 2,
            "num_global_layers": 1,
            "attention_heads": 2,
            "vision_output_dim": 128,
            "image_size": 28,
            "patch_size": 14,
            "max_num_tiles": 2,
            "intermediate_layers_indices": [0],
            "supported_aspect_ratios": [[1, 1], [1, 2], [2, 1]],
        },
        text_config={
            "vocab_size": len(tok),
            "hidden_size": 64,
            "intermediate_size": 128,
            "num_hidden_layers": 3,
            "num_attention_heads": 2,
            "num_key_value_heads": 1,
            "cross_attention_layers": [1],
            "max_position_embeddings": 4096,
            "bos_token_id": tok.bos_token_id,
            "eos_token_id": [ids("<|eot_id|>"), ids("<|end_of_text|>")],
            "pad_token_id": tok.pad_token_id,
        },
        image_token_index=ids("<|image|>"),
    )
    model = MllamaForConditionalGeneration(config)
    # transformers starts Mllama's tanh gates (cross-attention, positional embeddings) at zero, which shuts the
    # image out of the language model (a hub checkpoint's are trained): drawn instead.
    for name, parameter in model.named_parameters():
        if name.endswith("gate") and not parameter.any():
            torch.nn.init.uniform_(parameter, 0.5, 1.0)
    processor = MllamaProcessor(
        image_processor=MllamaImageProcessor(size={"height": 28, "width": 28}, max_image_tiles=2),
        tokenizer=tok,
        chat_template=tok.chat_template,
    )
    return model, processor


BUILDERS = {
    "llama": build_llama,
    "llava_next_synthesizer": build_llava_next_synthesizer,
    "llava_next_llama3": build_llava_next_llama3,
    "qwen2_vl": build_qwen2_vl,
    "qwen2_5_vl": build_qwen2_5_vl,
    "qwen3_vl": build_qwen3_vl,
    "gemma3": build_gemma3,
    "internvl": build_internvl,
    "mllama": build_mllama,
}


def build_tiny_model(family: str, out, corpus_files, seed: int = 0, vocab_size: int = 2048) -> None:
    """Build the tiny model of ``family`` with weights drawn from ``seed`` and save it to ``out``."""
    if family not in BUILDERS:
        raise ValueError(f"no tiny model for family {family!r}; known: {', '.join(sorted(BUILDERS))}")
    out = Path(out)
    torch.manual_seed(seed)
    model, processor = BUILDERS[family](out, corpus_files, vocab_size)
    model.eval()
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    processor.save_pretrained(out)
    vllm_compatible(out)
    (out / "adamllm_tiny.json").write_text(json.dumps({"family": family, "seed": seed, "vocab_size": vocab_size}))
