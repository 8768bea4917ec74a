"""Regenerates the audio test fixtures in this folder from the committed media, with the Python reference
(transformers 5.18, librosa 0.11 / soxr, soundfile/libsndfile) and ffmpeg for the compressed formats.

    models/reference/.venv/bin/python main/engine/processor/audio/__fixtures__/make_fixtures.py

Expected arrays are what the reference computes; the tests compare the TypeScript implementation against them.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import librosa
import numpy as np
import soundfile as sf
from transformers.audio_utils import mel_filter_bank

HERE = Path(__file__).resolve().parent
MEDIA = HERE.parents[4] / "models" / "fixtures" / "media"


def save(name: str, array: np.ndarray) -> None:
    np.save(HERE / name, np.ascontiguousarray(array), allow_pickle=False)


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", *args], check=True)


def main() -> None:
    # WhisperFeatureExtractor's bank for Qwen3-Omni (feature_size 128, n_fft 400, 16 kHz), [201, 128] float64.
    save("mel_filters_128.npy", mel_filter_bank(201, 128, 0.0, 8000.0, 16000, norm="slaney", mel_scale="slaney"))

    speech, _ = sf.read(MEDIA / "speech_16k_mono.wav", dtype="float32")
    excerpt = speech[16000:24000]  # 0.5 s of speech

    # 8 kHz input (int16 WAV) and librosa's soxr_hq upsampling of it to 16 kHz.
    narrow = np.round(librosa.resample(excerpt, orig_sr=16000, target_sr=8000) * 32767).astype(np.int16)
    sf.write(HERE / "speech_8k_mono.wav", narrow, 8000, subtype="PCM_16")
    loaded, _ = sf.read(HERE / "speech_8k_mono.wav", dtype="float32")
    save("speech_8k_mono.librosa_16k.npy", librosa.resample(loaded, orig_sr=8000, target_sr=16000))

    # Every WAV encoding libsndfile writes, 30 ms of stereo speech; expected = soundfile's float32 decode.
    stereo, _ = sf.read(MEDIA / "speech_44k1_stereo.wav", dtype="float64")
    stereo = stereo[44100 : 44100 + 1323]
    for subtype in ["PCM_U8", "PCM_16", "PCM_24", "PCM_32", "FLOAT", "DOUBLE"]:
        name = f"stereo_{subtype.lower()}.wav"
        sf.write(HERE / name, stereo, 44100, subtype=subtype)
        save(name.replace(".wav", ".npy"), sf.read(HERE / name, dtype="float32")[0])
    # Six channels in WAVE_FORMAT_EXTENSIBLE.
    surround = np.stack([stereo[:, 0], stereo[:, 1], -stereo[:, 0], 0.5 * stereo[:, 1], stereo[:, 0] * 0.25, -stereo[:, 1]], 1)
    sf.write(HERE / "surround_6ch_pcm_24.wav", surround, 44100, subtype="PCM_24", format="WAVEX")
    save("surround_6ch_pcm_24.npy", sf.read(HERE / "surround_6ch_pcm_24.wav", dtype="float32")[0])
    librosa_mono = librosa.load(HERE / "surround_6ch_pcm_24.wav", sr=None)[0]
    save("surround_6ch_pcm_24.librosa_mono.npy", librosa_mono)

    # µ-law inside a WAV container: not decoded natively, so it goes through ffmpeg.
    sf.write(HERE / "speech_ulaw.wav", excerpt[:1600], 16000, subtype="ULAW")
    save("speech_ulaw.npy", sf.read(HERE / "speech_ulaw.wav", dtype="float32")[0])

    # A float WAV with one NaN sample (index 100).
    broken = excerpt[:400].copy()
    broken[100] = np.nan
    sf.write(HERE / "nan_sample.wav", broken, 16000, subtype="FLOAT")

    # Compressed formats of the same 0.5 s through ffmpeg; expected = librosa.load(file, sr=16000).
    source = HERE / "speech_excerpt.tmp.wav"
    sf.write(source, excerpt, 16000, subtype="PCM_16")
    encodings = {
        "speech.flac": ["-c:a", "flac"],
        "speech.mp3": ["-c:a", "libmp3lame", "-b:a", "32k"],
        "speech.ogg": ["-c:a", "libvorbis", "-q:a", "0"],
        "speech.opus": ["-c:a", "libopus", "-b:a", "24k"],
        "speech.m4a": ["-c:a", "aac", "-b:a", "32k"],
        "speech.webm": ["-c:a", "libopus", "-b:a", "24k"],
    }
    for name, codec in encodings.items():
        ffmpeg("-i", str(source), *codec, "-map_metadata", "-1", "-fflags", "+bitexact", str(HERE / name))
        save(name.replace(".", "_") + ".librosa_16k.npy", librosa.load(HERE / name, sr=16000)[0])
    source.unlink()


if __name__ == "__main__":
    main()
