"""Run transformers' Qwen3-Omni on the tiny checkpoint and write golden outputs to models/fixtures/golden/<case>/.

For every case in cases.py:
  processor outputs   input_ids, position_ids, rope_delta (captured from generate's own get_rope_index call),
                      input_features + feature_attention_mask, pixel_values + image_grid_thw,
                      pixel_values_videos + video_grid_thw + video_second_per_grid
  module outputs      audio encoder, vision encoder + 3 deepstack features, thinker prefill (inputs_embeds after the
                      media scatter, last-position logits, accept_hidden_layer hidden states), talker prefill (prompt
                      embeddings, positions, last-position logits), one code-predictor frame, code2wav on given codes
  full generation     greedy thinker token ids, the exact codes passed to code2wav, the waveform
plus case.json describing inputs, settings and every array (dtype, shape).

The model is loaded from the bf16 checkpoint with dtype=float32 (weights are exactly the bf16 values): goldens are fp32
computations, the reference for an fp32 ONNX bundle.
"""

from __future__ import annotations

import argparse
import functools
import math
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np

import common
from common import CHECKPOINT_DIR, GOLDEN_DIR, MEDIA_DIR, rel, save_npy, write_json

torch = common.setup_torch()

import cases as case_defs  # noqa: E402

# qwen_omni_utils (QwenLM/Qwen2.5-Omni, v2_5/vision_process.py) video sampling constants (qwen3-omni.md §4.4)
FPS = 2.0
FRAME_FACTOR = 2
FPS_MIN_FRAMES = 4
FPS_MAX_FRAMES = 768


# --------------------------------------------------------------------------------------------------------------------
# media loading (what qwen_omni_utils + transformers do)
# --------------------------------------------------------------------------------------------------------------------


def load_audio(path: Path) -> np.ndarray:
    """qwen_omni_utils: librosa.load(path, sr=16000) -> mono float32 (channel mean, then soxr_hq resampling)."""
    import librosa

    wav, sr = librosa.load(str(path), sr=16000, mono=True)
    assert sr == 16000
    return wav.astype(np.float32)


def extract_video_audio(path: Path, tmp: Path) -> Path:
    """The audio track of a video as a WAV at its native rate/channels (then loaded like any audio file)."""
    out = tmp / (path.stem + ".track.wav")
    subprocess.run(
        ["ffmpeg", "-nostdin", "-y", "-loglevel", "error", "-i", str(path), "-map", "0:a:0", "-vn",
         "-c:a", "pcm_s16le", "-fflags", "+bitexact", "-flags:a", "+bitexact", str(out)],
        check=True,
    )
    return out


def decode_video(path: Path) -> tuple[np.ndarray, float]:
    """All frames as uint8 [N, H, W, 3] (RGB) and the stream's frame rate."""
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height,r_frame_rate",
         "-of", "default=noprint_wrappers=1", str(path)],
        check=True, capture_output=True, text=True,
    ).stdout
    info = dict(line.split("=", 1) for line in probe.strip().splitlines())
    w, h = int(info["width"]), int(info["height"])
    num, den = info["r_frame_rate"].split("/")
    fps = float(num) / float(den)
    raw = subprocess.run(
        ["ffmpeg", "-nostdin", "-loglevel", "error", "-i", str(path), "-map", "0:v:0", "-f", "rawvideo",
         "-pix_fmt", "rgb24", "-"],
        check=True, capture_output=True,
    ).stdout
    frames = np.frombuffer(raw, dtype=np.uint8)
    if frames.size % (w * h * 3):
        raise RuntimeError(f"{path}: decoded {frames.size} bytes, not a whole number of {w}x{h} RGB frames")
    return frames.reshape(-1, h, w, 3), fps


def sample_video_frames(total_frames: int, video_fps: float) -> tuple[list[int], int, float]:
    """qwen_omni_utils smart_nframes + linspace sampling at 2 fps. Returns (indices, nframes, sample_fps)."""
    min_frames = math.ceil(FPS_MIN_FRAMES / FRAME_FACTOR) * FRAME_FACTOR
    max_frames = math.floor(min(FPS_MAX_FRAMES, total_frames) / FRAME_FACTOR) * FRAME_FACTOR
    nframes = total_frames / video_fps * FPS
    nframes = min(min(max(nframes, min_frames), max_frames), total_frames)
    nframes = math.floor(nframes / FRAME_FACTOR) * FRAME_FACTOR
    if not (FRAME_FACTOR <= nframes <= total_frames):
        raise ValueError(f"nframes {nframes} out of range for {total_frames} frames")
    idx = torch.linspace(0, total_frames - 1, nframes).round().long().tolist()
    sample_fps = nframes / max(total_frames, 1e-6) * video_fps
    return idx, nframes, sample_fps


class FrameVideoProcessor:
    """Stand-in for Qwen2VLVideoProcessor (which needs torchvision): the same steps on already-sampled uint8 frames.

    smart_resize(factor 32, size from the call) -> rescale+normalise fused as (x - 127.5) / 127.5 in float32 (the
    torchvision backend folds 1/255 into mean/std) -> pad the frame count to a multiple of temporal_patch_size by
    repeating the last frame -> patchify with the permutation of video_processing_qwen2_vl.py
    (b, t, gh/m, gw/m, mh, mw, c, tp, ph, pw). Resampling is not implemented: the fixture frames never need it.
    """

    patch_size = 16
    temporal_patch_size = 2
    merge_size = 2
    model_input_names = ["pixel_values_videos", "video_grid_thw"]

    def __call__(self, videos=None, size=None, **kwargs):
        from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import smart_resize

        factor = self.patch_size * self.merge_size
        all_patches, grids = [], []
        for video in videos:
            video = np.asarray(video)
            n, h, w, c = video.shape
            rh, rw = smart_resize(h, w, factor=factor, min_pixels=size["shortest_edge"],
                                  max_pixels=size["longest_edge"])
            if (rh, rw) != (h, w):
                raise NotImplementedError(f"frames {w}x{h} would need resizing to {rw}x{rh}")
            x = (video.astype(np.float32) - np.float32(127.5)) / np.float32(127.5)
            x = x.transpose(0, 3, 1, 2)  # N, C, H, W
            if pad := -n % self.temporal_patch_size:
                x = np.concatenate([x, np.repeat(x[-1:], pad, axis=0)], axis=0)
                n += pad
            p, m, tp = self.patch_size, self.merge_size, self.temporal_patch_size
            gt, gh, gw = n // tp, h // p, w // p
            x = x.reshape(1, gt, tp, c, gh // m, m, p, gw // m, m, p)
            x = x.transpose(0, 1, 4, 7, 5, 8, 3, 2, 6, 9)
            all_patches.append(x.reshape(gt * gh * gw, c * tp * p * p))
            grids.append([gt, gh, gw])
        from transformers import BatchFeature

        return BatchFeature({"pixel_values_videos": np.concatenate(all_patches).astype(np.float32),
                             "video_grid_thw": np.asarray(grids, dtype=np.int64)})


def build_processor():
    from transformers import AutoImageProcessor, AutoTokenizer, Qwen3OmniMoeProcessor, WhisperFeatureExtractor

    image_processor = AutoImageProcessor.from_pretrained(CHECKPOINT_DIR)  # -> Qwen2VLImageProcessorPil (no torchvision)
    assert type(image_processor).__name__ == "Qwen2VLImageProcessorPil", type(image_processor)
    feature_extractor = WhisperFeatureExtractor.from_pretrained(CHECKPOINT_DIR)
    tokenizer = AutoTokenizer.from_pretrained(CHECKPOINT_DIR)
    # ProcessorMixin type-checks the video processor against a torchvision-only class; skip that check for the
    # stand-in. Everything else (kwarg merging, placeholder expansion, audio/video interleaving, tokenisation) is
    # transformers' own code.
    orig = Qwen3OmniMoeProcessor.check_argument_for_proper_class
    Qwen3OmniMoeProcessor.check_argument_for_proper_class = lambda self, name, arg: type(arg)
    try:
        processor = Qwen3OmniMoeProcessor(
            image_processor=image_processor,
            video_processor=FrameVideoProcessor(),
            feature_extractor=feature_extractor,
            tokenizer=tokenizer,
            chat_template=tokenizer.chat_template,
        )
    finally:
        Qwen3OmniMoeProcessor.check_argument_for_proper_class = orig
    return processor


# --------------------------------------------------------------------------------------------------------------------
# capture helpers
# --------------------------------------------------------------------------------------------------------------------


@contextmanager
def capture_calls(obj, method: str, store: list, *, record_output: bool = True, modify_kwargs=None):
    """Wrap obj.method, appending (args, kwargs, output) of every call to `store`."""
    orig = getattr(obj, method)

    @functools.wraps(orig)  # keeps the signature: generate() validates model kwargs against forward's parameters
    def wrapper(*args, **kwargs):
        if modify_kwargs is not None:
            kwargs = modify_kwargs(kwargs)
        out = orig(*args, **kwargs)
        store.append((args, kwargs, out if record_output else None))
        return out

    setattr(obj, method, wrapper)
    try:
        yield store
    finally:
        setattr(obj, method, orig)


# --------------------------------------------------------------------------------------------------------------------
# one case
# --------------------------------------------------------------------------------------------------------------------


class CaseWriter:
    def __init__(self, out: Path):
        self.out = out
        self.arrays: list[dict] = []

    def __call__(self, name: str, array, dtype=None, note: str | None = None) -> np.ndarray:
        a = save_npy(self.out / f"{name}.npy", array, dtype)
        entry = {"name": name, "file": f"{name}.npy", "dtype": str(a.dtype), "shape": list(a.shape)}
        if note:
            entry["note"] = note
        self.arrays.append(entry)
        return a


def run_case(case: dict, model, processor, tmp: Path) -> dict:
    name = case["name"]
    out = GOLDEN_DIR / name
    out.mkdir(parents=True)
    w = CaseWriter(out)
    use_audio_in_video = bool(case.get("use_audio_in_video", False))
    gen = dict(case_defs.GENERATION)
    info: dict = {"name": name, "description": case["description"]}

    # ---- media, in order of appearance -------------------------------------------------------------------------
    audios, audio_info, images, image_info, videos, video_info = [], [], [], [], [], []
    for msg in case["messages"]:
        if isinstance(msg["content"], str):
            continue
        for item in msg["content"]:
            t = item["type"]
            if t == "audio":
                path = MEDIA_DIR / item["audio"]
                audios.append(load_audio(path))
                audio_info.append({"source": rel(path), "samples_16k": int(len(audios[-1]))})
            elif t == "image":
                from transformers.image_utils import load_image

                path = MEDIA_DIR / item["image"]
                img = load_image(str(path))  # EXIF transpose, then .convert("RGB") (RGBA: alpha dropped)
                images.append(img)
                image_info.append({"source": rel(path), "loaded_width": img.width, "loaded_height": img.height})
            elif t == "video":
                path = MEDIA_DIR / item["video"]
                frames, vfps = decode_video(path)
                idx, nframes, sample_fps = sample_video_frames(len(frames), vfps)
                videos.append(frames[idx])
                vi = {"source": rel(path), "total_frames": int(len(frames)), "video_fps": vfps,
                      "sampled_frames": nframes, "sampled_indices": idx, "sample_fps": sample_fps,
                      "seconds_per_grid": processor.video_processor.temporal_patch_size / sample_fps,
                      "size": case_defs.VIDEO_SIZE}
                if use_audio_in_video:
                    track = extract_video_audio(path, tmp)
                    audios.append(load_audio(track))
                    audio_info.append({"source": rel(path) + " (audio track)", "samples_16k": int(len(audios[-1]))})
                video_info.append(vi)

    text = processor.apply_chat_template(case["messages"], add_generation_prompt=True, tokenize=False)
    call_kwargs: dict = {"return_tensors": "pt", "use_audio_in_video": use_audio_in_video}
    if videos:
        if len({round(v["sample_fps"], 12) for v in video_info}) != 1:
            raise NotImplementedError("one fps per processor call")
        call_kwargs["videos_kwargs"] = {"size": dict(case_defs.VIDEO_SIZE), "fps": video_info[0]["sample_fps"]}
    inputs = processor(text=text, audio=audios or None, images=images or None, videos=videos or None, **call_kwargs)
    assert int(inputs["attention_mask"].min()) == 1

    # ---- processor outputs (cli-contract.md names) -----------------------------------------------------------
    w("input_ids", inputs["input_ids"][0], np.int64)
    if audios:
        w("input_features", inputs["input_features"], np.float32)
        w("feature_attention_mask", inputs["feature_attention_mask"])
        for i, (a, ai) in enumerate(zip(audios, audio_info)):
            src = ai["source"]
            exact = src.endswith("16k_mono.wav") or src.endswith("(audio track)")
            if not exact:  # resampled and/or downmixed: store what the feature extractor saw
                w(f"audio_waveform_{i}", a, np.float32,
                  note="16 kHz mono float32 fed to the feature extractor (librosa.load: channel mean + soxr_hq)")
            ai["waveform_file"] = None if exact else f"audio_waveform_{i}.npy"
    if images:
        w("pixel_values", inputs["pixel_values"], np.float32)
        w("image_grid_thw", inputs["image_grid_thw"], np.int64)
    if videos:
        w("pixel_values_videos", inputs["pixel_values_videos"], np.float32)
        w("video_grid_thw", inputs["video_grid_thw"], np.int64)
        w("video_second_per_grid", inputs["video_second_per_grid"], np.float32)

    model_inputs = {k: v for k, v in inputs.items()}
    thinker_kwargs = {k: v for k, v in model_inputs.items()}

    # ---- full greedy generation, capturing the intermediate tensors transformers computes ---------------------
    rope_calls, thinker_fwd, talker_gen, talker_fwd, cp_gen, c2w_calls = [], [], [], [], [], []

    def cp_kwargs(kw):  # also record the code predictor's logits (does not change its result)
        kw = dict(kw)
        kw["output_logits"] = True
        return kw

    with capture_calls(model.thinker, "get_rope_index", rope_calls), \
            capture_calls(model.thinker, "forward", thinker_fwd), \
            capture_calls(model.talker, "generate", talker_gen, record_output=False), \
            capture_calls(model.talker, "forward", talker_fwd), \
            capture_calls(model.talker.code_predictor, "generate", cp_gen, modify_kwargs=cp_kwargs), \
            capture_calls(model.code2wav, "chunked_decode", c2w_calls, record_output=False):
        sequences, wav = model.generate(
            **model_inputs,
            use_audio_in_video=use_audio_in_video,
            return_audio=True,
            speaker=gen["speaker"],
            thinker_max_new_tokens=gen["thinker_max_new_tokens"],
            talker_max_new_tokens=gen["talker_max_new_tokens"],
            thinker_do_sample=gen["thinker_do_sample"],
            talker_do_sample=gen["talker_do_sample"],
        )

    seq_len = inputs["input_ids"].shape[1]
    # position ids / delta exactly as generate computed them (first get_rope_index call = the prompt)
    (_, rkw, (pos, delta)) = rope_calls[0][0], rope_calls[0][1], rope_calls[0][2]
    w("position_ids", pos[:, 0, :], note="[3, S] T/H/W rows from get_rope_index as called by generate")
    w("rope_delta", delta.reshape(-1), note="max(position)+1-S; decode position = cache index + rope_delta")

    generated = sequences[0, seq_len:]
    w("thinker_token_ids", generated, np.int64)
    codes = c2w_calls[0][0][0] if c2w_calls[0][0] else c2w_calls[0][1]["codes"]
    w("codes", codes[0], np.int64, note="[16, T] exactly as passed to code2wav.chunked_decode by generate")
    w("waveform", wav.reshape(-1), np.float32, note="24 kHz, returned by generate")

    # ---- thinker prefill (the first thinker forward inside generate) -----------------------------------------
    _, fkw, fout = thinker_fwd[0]
    hidden = fout.hidden_states  # L+1 entries; [0] = inputs_embeds after the media scatter
    w("thinker_inputs_embeds", hidden[0][0], np.float32, note="embeddings after scattering audio/image/video features")
    w("thinker_prefill_logits", fout.logits[0, -1], np.float32, note="last prompt position")
    accept = model.config.talker_config.accept_hidden_layer
    w("accept_hidden", hidden[accept][0], np.float32,
      note=f"hidden_states[{accept}] = output of thinker layer {accept - 1} (pre-norm), all prompt positions")

    # independent re-computation of the prefill: must equal what generate did
    with torch.no_grad():
        again = model.thinker(**thinker_kwargs, use_audio_in_video=use_audio_in_video, output_hidden_states=True,
                              use_cache=False)
    if not torch.equal(again.logits[0, -1], fout.logits[0, -1]):
        diff = (again.logits[0, -1] - fout.logits[0, -1]).abs().max().item()
        raise RuntimeError(f"{name}: standalone thinker prefill differs from generate's (max abs {diff})")

    # ---- encoders -------------------------------------------------------------------------------------------
    with torch.no_grad():
        if audios:
            aout = model.thinker.get_audio_features(inputs["input_features"], inputs["feature_attention_mask"])
            w("audio_encoder_output", aout.last_hidden_state, np.float32, note="[sum of audio tokens, hidden]")
        if images or videos:
            if images and videos:
                raise NotImplementedError("one visual kind per case")
            pv = inputs["pixel_values"] if images else inputs["pixel_values_videos"]
            grid = inputs["image_grid_thw"] if images else inputs["video_grid_thw"]
            vout = model.thinker.visual(pv, grid_thw=grid)
            w("vision_encoder_output", vout.pooler_output, np.float32,
              note=("images" if images else "video") + ": merger output, one row per visual token")
            for k, feat in enumerate(vout.deepstack_features):
                w(f"deepstack_{k}", feat, np.float32,
                  note=f"merger_list[{k}] after vision block {model.config.thinker_config.vision_config.deepstack_visual_indexes[k]}")

    # ---- talker prefill ---------------------------------------------------------------------------------------
    _, tgkw, _ = talker_gen[0]
    _, tfkw, tfout = talker_fwd[0]
    assert tfkw["inputs_embeds"].shape[1] > 1, "first talker forward must be the prefill"
    w("talker_input_ids", tgkw["talker_input_ids"][0], np.int64,
      note="ids used for the talker's rope index: user segments ++ 9 x tts_pad")
    w("talker_prefill_embeds", tfkw["inputs_embeds"][0], np.float32)
    tpos = tfkw["position_ids"]
    w("talker_position_ids", tpos[1:, 0, :] if tpos.shape[0] == 4 else tpos[:, 0, :],
      note="[3, N] as passed to the talker prefill forward")
    w("talker_rope_delta", model.talker.rope_deltas.reshape(-1))
    w("trailing_text_hidden", tgkw["trailing_text_hidden"][0], np.float32,
      note="text_projection of g1..g_{G-2} + tts_eos; one row is added per talker step, then tts_pad_embed")
    w("tts_pad_embed", tgkw["tts_pad_embed"].reshape(-1), np.float32)
    w("talker_prefill_logits", tfout.logits[0, -1], np.float32, note="raw codec_head logits, before processors")

    # ---- one code-predictor frame (the first frame of generation) ----------------------------------------------
    cpargs, cpkw, cpout = cp_gen[0]
    w("code_predictor_input", cpkw["inputs_embeds"][0], np.float32,
      note="[2, H]: talker post-norm last hidden of the prefill, codec_embedding(c0)")
    frame = torch.cat([codes[0, :1, 0], cpout.sequences[0]])
    assert torch.equal(frame, codes[0, :, 0]), "first CP frame must equal the first column of the codes"
    w("code_predictor_frame", frame, np.int64, note="[c0, c1..c15] of frame 0")
    if case.get("code_predictor_logits"):  # 123 KB each: stored for one case only (fixture size budget)
        w("code_predictor_logits", torch.stack([lg[0] for lg in cpout.logits]), np.float32,
          note="[15, 2048] logits of groups 1..15 (greedy: argmax)")

    # ---- code2wav on given codes -------------------------------------------------------------------------------
    rng = np.random.default_rng(common.SEED + sum(map(ord, name)))
    t_frames = case.get("code2wav_frames", 3 + len(name) % 5)
    given = torch.from_numpy(rng.integers(0, 2048, size=(16, t_frames), dtype=np.int64))
    with torch.no_grad():
        c2w = model.code2wav(given[None])
    w("code2wav_codes", given, np.int64, note="deterministic pseudo-random codes")
    w("code2wav_waveform", c2w.reshape(-1), np.float32, note="code2wav forward (one pass), 1920*T-555 samples")

    # ---- case.json ----------------------------------------------------------------------------------------------
    tok = processor.tokenizer
    T = int(codes.shape[-1])
    info.update({
        "messages": case["messages"],
        "media_dir": rel(MEDIA_DIR),
        "prompt_text": text,
        "use_audio_in_video": use_audio_in_video,
        "audio": audio_info,
        "images": image_info,
        "videos": video_info,
        "sequence_length": int(seq_len),
        "generation": gen,
        "generated_text": tok.decode(generated.tolist(), skip_special_tokens=False),
        "thinker_tokens": int(generated.shape[0]),
        "frames": T,
        "waveform_samples": int(wav.numel()),
        "sample_rate": 24000,
        "dtype": "float32 compute from bfloat16 weights",
        "arrays": w.arrays,
    })
    write_json(out / "case.json", info)
    return info


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--case", action="append", help="only these cases (default: all)")
    args = ap.parse_args()

    from transformers import Qwen3OmniMoeForConditionalGeneration

    model = Qwen3OmniMoeForConditionalGeneration.from_pretrained(CHECKPOINT_DIR, dtype=torch.float32).eval()
    # qwen3-omni.md §1.7: the talker's get_rope_index reads config.audio_config.n_window when a prompt has audio and
    # an image/video and speech is requested; Qwen3OmniMoeTalkerConfig has no audio_config (5.x regression).
    model.talker.config.audio_config = model.config.thinker_config.audio_config
    processor = build_processor()

    selected = [c for c in case_defs.CASES if not args.case or c["name"] in args.case]
    if not args.case and GOLDEN_DIR.exists():
        shutil.rmtree(GOLDEN_DIR)
    GOLDEN_DIR.mkdir(parents=True, exist_ok=True)
    summary = []
    with tempfile.TemporaryDirectory() as t:
        for case in selected:
            if (GOLDEN_DIR / case["name"]).exists():
                shutil.rmtree(GOLDEN_DIR / case["name"])
            torch.manual_seed(common.SEED)
            info = run_case(case, model, processor, Path(t))
            size = common.tree_size(GOLDEN_DIR / case["name"])
            summary.append({"name": case["name"], "sequence_length": info["sequence_length"],
                            "thinker_tokens": info["thinker_tokens"], "frames": info["frames"], "bytes": size})
            print(f"make_goldens: {case['name']:<13} S={info['sequence_length']:<4} tokens={info['thinker_tokens']} "
                  f"frames={info['frames']} {size / 1e6:.2f} MB")
    if not args.case:
        write_json(GOLDEN_DIR / "index.json", {
            "generator": "models/reference/make_goldens.py",
            "checkpoint": rel(CHECKPOINT_DIR),
            "cases": [c["name"] for c in case_defs.CASES],
            "generation": case_defs.GENERATION,
        })


if __name__ == "__main__":
    main()
