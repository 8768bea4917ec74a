"""Placeholder expansion and rope index of transformers 5.18 on synthetic prompts, for the TypeScript tests.

Run with the reference environment (models/reference/.venv, environment.md §8) from the repository root:

    models/reference/.venv/bin/python main/engine/processor/__fixtures__/generate.py

Each case is a rendered prompt plus per-item sizes (audio mel frames, image/video grids, seconds per grid). The real
`Qwen3OmniMoeProcessor.replace_multimodal_special_tokens` expands it, the real tokenizer of the tiny checkpoint
tokenizes it and the real `get_rope_index` computes positions — on stand-in objects holding just the attributes
those methods read, since no media or model is needed. Writes expansion_and_rope.json next to this file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from types import SimpleNamespace

os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch  # noqa: E402
import transformers  # noqa: E402
from transformers import AutoTokenizer  # noqa: E402
from transformers.models.qwen3_omni_moe import modeling_qwen3_omni_moe as modeling  # noqa: E402
from transformers.models.qwen3_omni_moe.processing_qwen3_omni_moe import (  # noqa: E402
    Qwen3OmniMoeProcessor,
    _get_feat_extract_output_lengths,
)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[3]
CHECKPOINT = ROOT / "models" / "fixtures" / "tiny-qwen3-omni"

IMAGE = "<|vision_start|><|image_pad|><|vision_end|>"
VIDEO = "<|vision_start|><|video_pad|><|vision_end|>"
AUDIO = "<|audio_start|><|audio_pad|><|audio_end|>"


def user(*parts):
    return "<|im_start|>user\n" + "".join(parts) + "<|im_end|>\n"


ASSISTANT = "<|im_start|>assistant\n"

# name -> prompt, items; `audio` lists mel frames in order of appearance (a video's own track included)
CASES = {
    "text_only": dict(prompt=user("Hello there, how are you?") + ASSISTANT),
    "audio_only": dict(prompt=user(AUDIO, "What was said?") + ASSISTANT, audio=[1600]),
    "spec_image_then_audio": dict(
        prompt=user(IMAGE, AUDIO, "Describe.") + ASSISTANT, images=[[1, 4, 4]], audio=[100]),
    "spec_audio_in_video": dict(
        prompt=user(VIDEO, "Hi") + ASSISTANT, videos=[[4, 4, 4]], spg=[1.0], audio=[400], aiv=True),
    "video_fractional_seconds": dict(
        prompt=user(VIDEO, "What happens?") + ASSISTANT, videos=[[2, 4, 6]], spg=[1.2]),
    "video_then_audio": dict(
        prompt=user(VIDEO, AUDIO, "Both?") + ASSISTANT, videos=[[2, 4, 4]], spg=[2.0], audio=[400]),
    "five_images_two_audios": dict(
        prompt=user(IMAGE, AUDIO, IMAGE, IMAGE, AUDIO, IMAGE, IMAGE, "Answer.") + ASSISTANT,
        images=[[1, 4, 6], [1, 2, 4], [1, 4, 4], [1, 8, 2], [1, 2, 26]], audio=[200, 243]),
    "multi_turn_media_earlier": dict(
        prompt="<|im_start|>system\nBe brief.<|im_end|>\n" + user(AUDIO, "Please answer.")
        + "<|im_start|>assistant\nYes.<|im_end|>\n" + user(IMAGE, "And this?") + ASSISTANT,
        images=[[1, 6, 4]], audio=[123]),
    "audio_in_video_last_block_quirk": dict(
        prompt=user(VIDEO, "Go") + ASSISTANT, videos=[[2, 48, 48]], spg=[1.0], audio=[150], aiv=True),
    "audio_in_video_audio_outlasts_video": dict(
        prompt=user(VIDEO, "Go") + ASSISTANT, videos=[[2, 4, 4]], spg=[1.0], audio=[1000], aiv=True),
    "audio_in_video_video_outlasts_audio": dict(
        prompt=user(VIDEO, "Go") + ASSISTANT, videos=[[6, 4, 4]], spg=[1.0], audio=[150], aiv=True),
    "audio_in_video_fractional": dict(
        prompt=user(VIDEO, "Go") + ASSISTANT, videos=[[4, 4, 6]], spg=[1.2], audio=[520], aiv=True),
    "two_videos_with_audio_and_an_image": dict(
        prompt=user(VIDEO, IMAGE, VIDEO, "Compare.") + ASSISTANT,
        videos=[[2, 4, 4], [4, 2, 2]], spg=[1.0, 0.5], images=[[1, 4, 4]], audio=[300, 250], aiv=True),
}


def main() -> None:
    tokenizer = AutoTokenizer.from_pretrained(CHECKPOINT)
    config = json.loads((CHECKPOINT / "config.json").read_text())["thinker_config"]
    merge = config["vision_config"]["spatial_merge_size"]

    processor = SimpleNamespace(
        image_processor=SimpleNamespace(merge_size=merge),
        video_processor=SimpleNamespace(merge_size=merge),
        audio_token=tokenizer.audio_token, image_token=tokenizer.image_token, video_token=tokenizer.video_token,
        vision_bos_token=tokenizer.vision_bos_token, vision_eos_token=tokenizer.vision_eos_token,
        audio_bos_token=tokenizer.audio_bos_token, audio_eos_token=tokenizer.audio_eos_token,
    )

    class Model:
        spatial_merge_size = merge
        get_llm_pos_ids_for_vision = modeling.Qwen3OmniMoePreTrainedModelForConditionalGeneration.get_llm_pos_ids_for_vision

        def __init__(self):
            self.config = SimpleNamespace(
                **{k: config[k] for k in ("image_token_id", "video_token_id", "audio_token_id", "vision_start_token_id",
                                          "audio_start_token_id", "position_id_per_seconds")},
                audio_config=SimpleNamespace(n_window=config["audio_config"]["n_window"]))

    model = Model()
    out = []
    for name, case in CASES.items():
        frames = case.get("audio", [])
        images = case.get("images", [])
        videos = case.get("videos", [])
        spg = case.get("spg", [])
        aiv = case.get("aiv", False)
        token_counts = [int(n) for n in _get_feat_extract_output_lengths(torch.tensor(frames, dtype=torch.long))] if frames else []
        [expanded] = Qwen3OmniMoeProcessor.replace_multimodal_special_tokens(
            processor, [case["prompt"]], iter(token_counts), iter(torch.tensor(images, dtype=torch.long)),
            iter(torch.tensor(videos, dtype=torch.long)), video_second_per_grid=iter(spg), use_audio_in_video=aiv,
            position_id_per_seconds=13.0, seconds_per_chunk=2.0)
        ids = tokenizer(expanded)["input_ids"]
        input_ids = torch.tensor([ids])
        positions, delta = modeling.Qwen3OmniMoePreTrainedModelForConditionalGeneration.get_rope_index(
            model, input_ids,
            image_grid_thw=torch.tensor(images, dtype=torch.long) if images else None,
            video_grid_thw=torch.tensor(videos, dtype=torch.long) if videos else None,
            attention_mask=torch.ones_like(input_ids), use_audio_in_video=aiv,
            audio_seqlens=torch.tensor(frames, dtype=torch.long) if frames else None,
            second_per_grids=torch.tensor(spg) if spg else None)
        out.append({
            "name": name, "prompt": case["prompt"], "useAudioInVideo": aiv, "audioFrames": frames,
            "audioTokenCounts": token_counts, "imageGridThw": images, "videoGridThw": videos, "videoSecondPerGrid": spg,
            "expanded": expanded, "inputIds": ids,
            "positionIds": positions[:, 0, :].tolist(), "positionDtype": str(positions.dtype).removeprefix("torch."),
            "ropeDelta": delta.item(),
        })
    (HERE / "expansion_and_rope.json").write_text(json.dumps({
        "generator": "main/engine/processor/__fixtures__/generate.py",
        "transformers": transformers.__version__,
        "cases": out,
    }, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
