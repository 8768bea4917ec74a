"""Reference data for the vision tests, computed with Pillow and transformers 5.18 (the PIL backend).

Run from the repository root with the reference venv (models/reference/.venv, see environment.md §8):
    models/reference/.venv/bin/python main/engine/processor/vision/__fixtures__/make_fixtures.py
Everything is deterministic; the output replaces decode/, resize/, processor/ and the json files here.

  decode/     encoded files of every supported kind + what `transformers.image_utils.load_image` makes of them
              (EXIF transpose, then .convert("RGB")), as <file>.npy uint8 [H, W, 3]
  resize/     uint8 RGB sources and Pillow's Image.resize(..., BICUBIC) of them
  processor/  Qwen2VLImageProcessorPil outputs (pixel_values, image_grid_thw) for configurations the oracle
              goldens do not cover
  smart_resize.json, frame_sampling.json   exact integer references
"""

from __future__ import annotations

import io
import json
import math
import os
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import numpy as np
import torch
from PIL import Image
from transformers.image_utils import load_image
from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil, smart_resize

HERE = Path(__file__).resolve().parent
RNG = np.random.default_rng(20251126)


def save(path: Path, array: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, np.ascontiguousarray(array), allow_pickle=False)


def scene(width: int, height: int) -> np.ndarray:
    """Gradients, a hard edge and noise: every channel different, no symmetry (orientation errors show)."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    r = 255 * x / max(width - 1, 1)
    g = 255 * y / max(height - 1, 1)
    b = np.where((x < width / 3) & (y < height / 2), 230.0, 40.0)
    noise = RNG.integers(-20, 21, size=(height, width, 3))
    return np.clip(np.stack([r, g, b], axis=-1) + noise, 0, 255).astype(np.uint8)


# ----------------------------------------------------------------------------------------------------------- BMP
def bmp(width: int, height: int, bits: int, rows: list[bytes], *, palette: bytes = b"", compression: int = 0,
        masks: tuple[int, ...] = (), header_size: int = 40, top_down: bool = False, pixel_data: bytes | None = None) -> bytes:
    """A BMP written byte by byte, for the layouts Pillow cannot save (16-bit, bitfields, RLE, OS/2, top-down)."""
    data = pixel_data if pixel_data is not None else b"".join(rows if top_down else rows[::-1])
    extra = b"".join(struct.pack("<I", m) for m in masks)
    if header_size == 12:
        info = struct.pack("<IHHHH", 12, width, height, 1, bits)
    else:
        info = struct.pack("<IiiHHIIiiII", 40, width, -height if top_down else height, 1, bits, compression,
                           len(data), 2835, 2835, len(palette) // (3 if header_size == 12 else 4), 0)
    offset = 14 + len(info) + len(extra) + len(palette)
    return b"BM" + struct.pack("<IHHI", offset + len(data), 0, 0, offset) + info + extra + palette + data


def pad4(row: bytes) -> bytes:
    return row + b"\0" * (-len(row) % 4)


def bmp_variants(img: np.ndarray) -> dict[str, bytes]:
    h, w, _ = img.shape
    out: dict[str, bytes] = {}
    bgr = [pad4(img[y, :, ::-1].tobytes()) for y in range(h)]
    out["bmp_24_topdown.bmp"] = bmp(w, h, 24, bgr, top_down=True)
    bgrx = [img[y, :, ::-1].tobytes() for y in range(h)]
    bgrx = [b"".join(row[i:i + 3] + b"\x7f" for i in range(0, len(row), 3)) for row in bgrx]
    out["bmp_32_bgrx.bmp"] = bmp(w, h, 32, bgrx)
    r, g, b = (img[..., c].astype(np.uint32) for c in range(3))
    p555 = ((r >> 3) << 10) | ((g >> 3) << 5) | (b >> 3)
    p565 = ((r >> 3) << 11) | ((g >> 2) << 5) | (b >> 3)
    out["bmp_16_555.bmp"] = bmp(w, h, 16, [pad4(p555[y].astype("<u2").tobytes()) for y in range(h)])
    out["bmp_16_565_bitfields.bmp"] = bmp(w, h, 16, [pad4(p565[y].astype("<u2").tobytes()) for y in range(h)],
                                          compression=3, masks=(0xF800, 0x7E0, 0x1F))
    # 16-colour palette: 4-bit uncompressed, RLE4, RLE8 and OS/2 (12-byte header, 3-byte palette entries)
    colours = RNG.integers(0, 256, size=(16, 3), dtype=np.uint8)
    index = ((np.arange(w)[None, :] // 3 + np.arange(h)[:, None] // 2) % 16).astype(np.uint8)
    pal4 = b"".join(bytes([c[2], c[1], c[0], 0]) for c in colours)
    pal3 = b"".join(bytes([c[2], c[1], c[0]]) for c in colours)
    nibbles = [pad4(bytes((index[y, i] << 4) | (index[y, i + 1] if i + 1 < w else 0) for i in range(0, w, 2)))
               for y in range(h)]
    out["bmp_4_palette.bmp"] = bmp(w, h, 4, nibbles, palette=pal4)
    out["bmp_8_os2.bmp"] = bmp(w, h, 8, [pad4(index[y].tobytes()) for y in range(h)], palette=pal3, header_size=12)

    # RLE: runs (encoded mode), literal stretches (absolute mode, odd lengths padded to a word), one delta escape
    noisy = index.copy()
    noisy[:, 8:16] = RNG.integers(0, 16, size=(h, 8))

    def rle(nibble: bool) -> bytes:
        def pair(v: int) -> int:
            return (v << 4 | v) if nibble else v

        data = bytearray()
        for y in range(h - 1, -1, -1):
            row = noisy[y]
            x = 0
            if y == h - 1:  # skip the first 3 pixels of the bottom row: they stay index 0
                data += bytes([0, 2, 3, 0])
                x = 3
            while x < w:
                run = 1
                while x + run < w and run < 255 and row[x + run] == row[x]:
                    run += 1
                literal = 1
                while x + literal < w and row[x + literal] != row[x + literal - 1]:
                    literal += 1
                if nibble:
                    literal -= literal % 2
                if run == 1 and literal >= 3:
                    chunk = row[x:x + literal]
                    packed = bytes((chunk[i] << 4) | chunk[i + 1] for i in range(0, literal, 2)) if nibble \
                        else bytes(chunk)
                    data += bytes([0, literal]) + packed + b"\0" * (len(packed) % 2)
                    x += literal
                else:
                    data += bytes([run, pair(row[x])])
                    x += run
            data += b"\0\0"
        return bytes(data + b"\0\1")

    out["bmp_rle8.bmp"] = bmp(w, h, 8, [], palette=pal4 * 16, compression=1, pixel_data=rle(False))
    out["bmp_rle4.bmp"] = bmp(w, h, 4, [], palette=pal4, compression=2, pixel_data=rle(True))
    return out


def png_16bit_rgb(img16: np.ndarray) -> bytes:
    """Pillow cannot write 16-bit RGB PNGs."""
    h, w, _ = img16.shape
    raw = b"".join(b"\0" + img16[y].astype(">u2").tobytes() for y in range(h))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def encode(img: Image.Image, fmt: str, **kwargs) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kwargs)
    return buf.getvalue()


def make_decode() -> list[dict]:
    base = scene(24, 16)
    rgb = Image.fromarray(base)
    alpha = np.tile(np.linspace(0, 255, 24).astype(np.uint8), (16, 1))
    alpha[:, :4] = 0  # fully transparent pixels keep their colour under PIL's .convert("RGB")
    rgba = Image.fromarray(np.dstack([base, alpha]))
    gray = Image.fromarray(base[..., 1])
    files: dict[str, bytes] = {
        "png_rgb.png": encode(rgb, "PNG"),
        "png_rgba.png": encode(rgba, "PNG"),
        "png_la.png": encode(Image.merge("LA", [gray, Image.fromarray(alpha)]), "PNG"),
        "png_gray.png": encode(gray, "PNG"),
        "png_palette_trns.png": encode(rgb.quantize(16), "PNG", transparency=3),
        "png_16bit_rgb.png": png_16bit_rgb(base.astype(np.uint16) * 257 + RNG.integers(0, 256, base.shape)),
        "jpeg_420.jpg": encode(rgb, "JPEG", quality=90, subsampling=2),
        "jpeg_444.jpg": encode(rgb, "JPEG", quality=95, subsampling=0),
        "jpeg_progressive.jpg": encode(rgb, "JPEG", quality=85, progressive=True),
        "jpeg_gray.jpg": encode(gray, "JPEG", quality=90),
        "webp_lossy.webp": encode(rgb, "WEBP", quality=80),
        "webp_lossless_rgba.webp": encode(rgba, "WEBP", lossless=True),
        "gif_transparent.gif": encode(rgb.quantize(32), "GIF", transparency=5),
        "gif_animated.gif": encode(rgb.quantize(32), "GIF", save_all=True, duration=100, loop=0,
                                   append_images=[Image.fromarray(base[::-1]).quantize(32)]),
        "bmp_24.bmp": encode(rgb, "BMP"),
        "bmp_8_palette.bmp": encode(rgb.quantize(64), "BMP"),
        "bmp_1.bmp": encode(gray.point(lambda v: 255 if v > 128 else 0).convert("1"), "BMP"),
        "tiff_rgb.tif": encode(rgb, "TIFF"),
        **bmp_variants(base),
    }
    for orientation in range(1, 9):
        exif = Image.Exif()
        exif[0x0112] = orientation
        files[f"jpeg_orientation_{orientation}.jpg"] = encode(rgb, "JPEG", quality=95, subsampling=0, exif=exif)
    exif = Image.Exif()
    exif[0x0112] = 6
    files["png_exif_orientation_6.png"] = encode(rgb, "PNG", exif=exif)
    files["webp_exif_orientation_8.webp"] = encode(rgb, "WEBP", lossless=True, exif=exif)

    out = HERE / "decode"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    cases = []
    for name, data in sorted(files.items()):
        (out / name).write_bytes(data)
        original = Image.open(out / name)
        loaded = load_image(str(out / name))
        save(out / f"{name}.npy", np.asarray(loaded))
        cases.append({"file": name, "mode": original.mode, "width": loaded.width, "height": loaded.height})
    return cases


# -------------------------------------------------------------------------------------------------------- resize
RESIZE_CASES = {
    "noise_40x30": (lambda: RNG.integers(0, 256, size=(30, 40, 3), dtype=np.uint8),
                    [(32, 32), (64, 96), (17, 5), (40, 31), (41, 30), (13, 29), (96, 96), (1, 1), (200, 3), (40, 30)]),
    "scene_37x61": (lambda: scene(37, 61), [(64, 64), (32, 64), (9, 14), (37, 64), (128, 192)]),
    # saturated checkerboard: the negative lobes of the cubic push sums outside [0, 255] and clipping decides
    "checker_48x48": (lambda: (((np.indices((48, 48)).sum(0) % 2) * 255).astype(np.uint8)[..., None]
                               .repeat(3, axis=2)), [(16, 16), (7, 9), (47, 48), (96, 96), (160, 32)]),
}


def make_resize() -> list[dict]:
    out = HERE / "resize"
    shutil.rmtree(out, ignore_errors=True)
    cases = []
    for name, (make, targets) in RESIZE_CASES.items():
        src = make()
        save(out / f"{name}.npy", src)
        for w, h in targets:
            resized = np.asarray(Image.fromarray(src).resize((w, h), Image.BICUBIC))
            save(out / f"{name}_to_{w}x{h}.npy", resized)
            cases.append({"source": f"{name}.npy", "width": w, "height": h, "expected": f"{name}_to_{w}x{h}.npy"})
    return cases


# ----------------------------------------------------------------------------------------------------- processor
QWEN3_OMNI = dict(patch_size=16, merge_size=2, temporal_patch_size=2, min_pixels=3136, max_pixels=12845056,
                  image_mean=[0.5, 0.5, 0.5], image_std=[0.5, 0.5, 0.5], rescale_factor=1 / 255, resample=3)
CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073]
CLIP_STD = [0.26862954, 0.26130258, 0.27577711]


def make_processor() -> list[dict]:
    out = HERE / "processor"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    Image.fromarray(scene(200, 150)).save(out / "scene_200x150.png")
    Image.fromarray(scene(64, 32)).save(out / "scene_64x32.png")
    cases = [
        {"name": "downscale_max_pixels", "image": "scene_200x150.png", "config": dict(QWEN3_OMNI, max_pixels=96 * 64),
         "note": "max_pixels branch: 150x200 -> 64x96 (antialiased downscale)"},
        {"name": "clip_mean_std", "image": "scene_64x32.png",
         "config": dict(QWEN3_OMNI, image_mean=CLIP_MEAN, image_std=CLIP_STD),
         "note": "no resize; per-channel mean/std other than 0.5"},
        {"name": "decode_webp_exif", "image": "../decode/webp_exif_orientation_8.webp", "config": QWEN3_OMNI,
         "note": "EXIF-rotated lossless WebP, 24x16 stored -> 16x24 shown -> min_pixels branch"},
    ]
    for case in cases:
        processor = Qwen2VLImageProcessorPil(**case["config"])
        result = processor(images=[load_image(str(out / case["image"]))])
        save(out / f"{case['name']}.pixel_values.npy", result["pixel_values"].astype(np.float32))
        save(out / f"{case['name']}.image_grid_thw.npy", result["image_grid_thw"].astype(np.int64))
    return cases


# ------------------------------------------------------------------------------------------- integer references
def make_smart_resize() -> list[dict]:
    sizes = [(53, 75), (64, 96), (48, 48), (80, 80), (16, 16), (1, 1), (8, 400), (100, 40), (1080, 1920),
             (1920, 1080), (2160, 3840), (4000, 3000), (720, 1280), (32, 6400), (32, 6401), (3, 601), (1, 200),
             (17, 3400), (1000, 5), (112, 144), (240, 16), (7, 13), (4096, 4096), (10000, 60)]
    bounds = [(3136, 12845056), (131072, 786432), (3136, 1280 * 32 * 32), (56 * 56, 28 * 28 * 1280)]
    cases = []
    for h, w in sizes:
        for lo, hi in bounds:
            try:
                cases.append({"height": h, "width": w, "min_pixels": lo, "max_pixels": hi,
                              "result": list(smart_resize(h, w, 32, lo, hi))})
            except ValueError as e:
                cases.append({"height": h, "width": w, "min_pixels": lo, "max_pixels": hi, "error": str(e)})
    return cases


def make_frame_sampling() -> list[dict]:
    """qwen_omni_utils smart_nframes at 2 fps + torch.linspace(...).round() (float32 linspace, half-to-even)."""
    cases = []
    for total, fps in [(60, 25.0), (4, 30.0), (5, 30.0), (7, 1.0), (100, 29.97), (300, 30.0), (301, 30.0),
                       (1799, 59.94), (2000, 24.0), (9000, 30.0), (40000, 25.0), (100003, 30.0), (13, 6.5),
                       (250, 12.5), (1000, 1000.0), (45, 2.0)]:
        min_frames, max_frames = 4, math.floor(min(768, total) / 2) * 2
        n = min(min(max(total / fps * 2, min_frames), max_frames), total)
        n = math.floor(n / 2) * 2
        idx = torch.linspace(0, total - 1, n).round().long().tolist()
        cases.append({"total_frames": total, "video_fps": fps, "nframes": n, "indices": idx,
                      "sample_fps": n / max(total, 1e-6) * fps})
    return cases


def make_videos() -> list[dict]:
    """Small clips for the error paths and a resize path (the oracle clip needs no resize)."""
    out = HERE / "video"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    def ffmpeg(source: str, *output: str) -> None:
        bitexact = ["-fflags", "+bitexact", "-flags", "+bitexact"]  # output options: no random muxer ids
        subprocess.run(["ffmpeg", "-nostdin", "-y", "-loglevel", "error", "-f", "lavfi", "-i", source, *bitexact,
                        *output], check=True)

    ffmpeg("testsrc2=size=80x44:rate=10:duration=1.5", "-c:v", "ffv1", "-pix_fmt", "bgr0",
           str(out / "silent_80x44_10fps.mkv"))
    ffmpeg("sine=frequency=440:sample_rate=16000:duration=0.5", "-c:a", "pcm_s16le", str(out / "audio_only.mkv"))
    return [{"file": "silent_80x44_10fps.mkv", "width": 80, "height": 44, "fps": 10, "frames": 15, "audio": False},
            {"file": "audio_only.mkv", "audio": True, "video": False}]


def main() -> None:
    manifest = {
        "generator": "main/engine/processor/vision/__fixtures__/make_fixtures.py",
        "decode": make_decode(),
        "resize": make_resize(),
        "processor": make_processor(),
        "videos": make_videos(),
    }
    (HERE / "fixtures.json").write_text(json.dumps(manifest, indent=1) + "\n")
    (HERE / "smart_resize.json").write_text(json.dumps(make_smart_resize()) + "\n")
    (HERE / "frame_sampling.json").write_text(json.dumps(make_frame_sampling()) + "\n")
    total = sum(p.stat().st_size for p in HERE.rglob("*") if p.is_file())
    print(f"fixtures: {total / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
