"""Create the test media in models/fixtures/media/ (deterministically; needs espeak-ng, sox and ffmpeg on PATH).

Audio: espeak-ng speech (en-us) at several speaking rates, resampled with sox, written as 16-bit PCM WAV.
Images: procedural RGB/RGBA/L content (gradients, shapes, seeded noise) written with Pillow.
Video: 60 procedural frames (96x64, 25 fps = 2.4 s) + a 16 kHz mono speech track, FFV1 + PCM in Matroska,
muxed with ffmpeg's bit-exact flags so the file is byte-identical on every run.

media/manifest.json lists every file with its properties (rate, channels, samples, size, orientation, ...).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf
from PIL import Image

import common
from common import MEDIA_DIR, rel, write_json

RNG_SEED = common.SEED

SPEECH = {
    # name: (text, espeak words-per-minute, output rate, channels, exact length in samples or None)
    "speech_16k_mono.wav": (
        "Hello there. What is the weather like in Paris today?",
        175, 16000, 1, None),
    "speech_44k1_stereo.wav": (
        "Describe these pictures.",
        140, 44100, 2, None),
    "speech_22k05_mono.wav": (
        "Good morning. I have a question about my schedule.",
        210, 22050, 1, None),
    "speech_48k_mono.wav": (
        "Can you hear me?",
        160, 48000, 1, None),
    "speech_long_16k_mono.wav": (
        "This is a longer recording that is meant to be more than thirty seconds long. "
        "Older versions of the Whisper feature extractor silently cut audio after thirty seconds, "
        "so this file checks that nothing is truncated. The audio encoder looks at windows of eight seconds, "
        "which means this recording spans several attention windows and one partial window at the end. "
        "Each second of speech becomes thirteen audio tokens for the language model. "
        "The quick brown fox jumps over the lazy dog, and the five boxing wizards jump quickly. "
        "Now the speaker counts slowly: one, two, three, four, five, six, seven, eight, nine, ten. "
        "That is the end of the long recording. Thank you for listening.",
        150, 16000, 1, 517123),  # 32.32 s, deliberately not a multiple of the 160-sample hop
}

VIDEO_NAME = "video_96x64_25fps_2s4.mkv"
VIDEO_W, VIDEO_H, VIDEO_FPS, VIDEO_FRAMES = 96, 64, 25, 60
VIDEO_AUDIO_TEXT = "One, two, three, four."
VIDEO_AUDIO_RATE = 16000


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=True, **kw)


def require_tools() -> None:
    missing = [t for t in ("espeak-ng", "sox", "ffmpeg", "ffprobe") if shutil.which(t) is None]
    if missing:
        raise SystemExit(
            f"make_media: missing {', '.join(missing)} (Debian: apt-get install -y espeak-ng sox ffmpeg)"
        )


def espeak(text: str, wpm: int, out: Path) -> None:
    # espeak-ng writes 22050 Hz mono 16-bit WAV
    run(["espeak-ng", "-v", "en-us", "-s", str(wpm), "-w", str(out), text])


def sox_resample_mono(src: Path, rate: int) -> np.ndarray:
    """Resample with sox (default 'rate -h' quality, -D: no dither, which would be random) to `rate`; int16 mono."""
    raw = run(
        ["sox", "-V1", "-D", str(src), "-t", "raw", "-e", "signed-integer", "-b", "16", "-c", "1", "-r", str(rate), "-"],
        capture_output=True,
    ).stdout
    return np.frombuffer(raw, dtype="<i2").copy()


def make_speech(tmp: Path) -> list[dict]:
    entries = []
    for name, (text, wpm, rate, channels, exact) in SPEECH.items():
        raw = tmp / f"{name}.espeak.wav"
        espeak(text, wpm, raw)
        x = sox_resample_mono(raw, rate)
        if exact is not None:
            if len(x) < exact:
                x = np.concatenate([x, np.zeros(exact - len(x), dtype=np.int16)])
            x = x[:exact]
        if channels == 2:
            # right = 0.6 x left, delayed by 10 ms: a downmix bug (picking one channel) changes the features
            d = rate // 100
            right = np.concatenate([np.zeros(d, dtype=np.int32), (x[:-d].astype(np.int32) * 3) // 5])
            data = np.stack([x.astype(np.int16), right.astype(np.int16)], axis=1)
        else:
            data = x
        path = MEDIA_DIR / name
        sf.write(path, data, rate, subtype="PCM_16", format="WAV")
        entries.append(
            dict(file=name, kind="audio", text=text, espeak_wpm=wpm, sample_rate=rate, channels=channels,
                 samples=int(len(x)), seconds=round(len(x) / rate, 6), encoding="PCM_16 WAV")
        )
    return entries


def _canvas(w: int, h: int, rng: np.random.Generator, noise: float = 6.0) -> np.ndarray:
    """Procedural RGB content: gradients, a disc, stripes and mild noise (uint8 HxWx3)."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    r = 255 * xx / max(w - 1, 1)
    g = 255 * yy / max(h - 1, 1)
    b = 128 + 100 * np.sin(xx / 3.0) * np.cos(yy / 5.0)
    img = np.stack([r, g, b], axis=-1)
    cy, cx, rad = h * 0.45, w * 0.6, min(h, w) * 0.3
    disc = (yy - cy) ** 2 + (xx - cx) ** 2 < rad**2
    img[disc] = [240, 40, 60]
    img[(xx.astype(int) // 4) % 5 == 0] *= 0.5
    if noise:
        img += rng.normal(0, noise, img.shape)
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def make_images() -> list[dict]:
    rng = np.random.default_rng(RNG_SEED)
    entries = []

    def add(name: str, im: Image.Image, note: str, **extra) -> None:
        path = MEDIA_DIR / name
        if name.endswith(".png"):
            im.save(path, format="PNG", optimize=False, compress_level=9)
        else:
            im.save(path, **extra.pop("save_kwargs"))
        entries.append(dict(file=name, kind="image", mode=im.mode, stored_width=im.width, stored_height=im.height,
                            note=note, **extra))

    add("image_odd_75x53.png", Image.fromarray(_canvas(75, 53, rng), "RGB"),
        "odd size; smart_resize rounds 53x75 to 64x64")
    add("image_mult32_96x64.png", Image.fromarray(_canvas(96, 64, rng), "RGB"),
        "exact multiple of 32 (no resize)")
    rgba = np.concatenate(
        [_canvas(77, 45, rng), (np.linspace(0, 255, 77)[None, :].repeat(45, 0)).astype(np.uint8)[..., None]], axis=-1
    )
    add("image_rgba_77x45.png", Image.fromarray(rgba, "RGBA"),
        "RGBA with a horizontal alpha ramp; below min_pixels after rounding (min_pixels branch)")
    gray = _canvas(50, 50, rng).mean(axis=-1).astype(np.uint8)
    add("image_gray_50x50.png", Image.fromarray(gray, "L"), "grayscale (mode L)")
    add("image_wide_400x8.png", Image.fromarray(_canvas(400, 8, rng), "RGB"),
        "extreme aspect ratio 50:1; round(8/32) = 0 goes through the min_pixels branch")
    # JPEG stored 40 wide x 100 high with EXIF Orientation 6 (rotate 90 deg clockwise to display) -> 100x40
    stored = Image.fromarray(_canvas(40, 100, rng), "RGB")
    exif = Image.Exif()
    exif[0x0112] = 6
    add("image_exif_rot6_40x100.jpg", stored,
        "JPEG with EXIF Orientation=6: displayed (after exif_transpose) as 100 wide x 40 high",
        exif_orientation=6, displayed_width=100, displayed_height=40,
        save_kwargs=dict(format="JPEG", quality=92, subsampling=0, exif=exif.tobytes()))
    return entries


def make_video(tmp: Path) -> dict:
    rng = np.random.default_rng(RNG_SEED + 1)
    base = _canvas(VIDEO_W, VIDEO_H, rng, noise=0.0).astype(np.int16)  # noise-free: FFV1 stays small
    frames = []
    for i in range(VIDEO_FRAMES):
        f = base.copy()
        x0 = int(round(4 + i * (VIDEO_W - 24) / (VIDEO_FRAMES - 1)))
        f[20:40, x0:x0 + 16] = [30, 200, 255]  # a square moving left -> right
        f[:4, :] = (i * 4) % 256  # frame-index bar at the top
        f = np.roll(f, shift=i % 7, axis=0)
        frames.append(np.clip(f, 0, 255).astype(np.uint8))
    raw_video = np.stack(frames).tobytes()

    speech = tmp / "video_speech.wav"
    espeak(VIDEO_AUDIO_TEXT, 190, speech)
    x = sox_resample_mono(speech, VIDEO_AUDIO_RATE)
    n = VIDEO_FRAMES * VIDEO_AUDIO_RATE // VIDEO_FPS  # exactly 2.4 s
    x = np.concatenate([x, np.zeros(max(0, n - len(x)), dtype=np.int16)])[:n]
    track = tmp / "video_track.wav"
    sf.write(track, x, VIDEO_AUDIO_RATE, subtype="PCM_16", format="WAV")

    out = MEDIA_DIR / VIDEO_NAME
    run(
        ["ffmpeg", "-nostdin", "-y", "-loglevel", "error", "-threads", "1",
         "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{VIDEO_W}x{VIDEO_H}", "-r", str(VIDEO_FPS), "-i", "-",
         "-i", str(track),
         "-map", "0:v", "-map", "1:a",
         "-c:v", "ffv1", "-level", "3", "-coder", "1", "-context", "1", "-g", "1", "-slices", "4", "-slicecrc", "1", "-pix_fmt", "gbrp",
         "-c:a", "pcm_s16le",
         "-map_metadata", "-1", "-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact",
         str(out)],
        input=raw_video,
    )
    return dict(file=VIDEO_NAME, kind="video", container="matroska", video_codec="ffv1 (gbrp, lossless)",
                width=VIDEO_W, height=VIDEO_H, fps=VIDEO_FPS, frames=VIDEO_FRAMES,
                seconds=VIDEO_FRAMES / VIDEO_FPS, audio_codec="pcm_s16le", audio_sample_rate=VIDEO_AUDIO_RATE,
                audio_channels=1, audio_samples=int(n), audio_text=VIDEO_AUDIO_TEXT,
                note="moving square + frame-index bar; frames are multiples of 32 so no resize is needed")


def main() -> None:
    require_tools()
    if MEDIA_DIR.exists():
        shutil.rmtree(MEDIA_DIR)
    MEDIA_DIR.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        entries = make_speech(tmp) + make_images() + [make_video(tmp)]
    write_json(MEDIA_DIR / "manifest.json", {"generator": "models/reference/make_media.py", "files": entries})
    total = common.tree_size(MEDIA_DIR)
    print(f"make_media: {rel(MEDIA_DIR)} ({len(entries)} files, {total / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
