"""The golden cases: one user-visible scenario each (conversation + media + flags).

Media paths are relative to models/fixtures/media/. Generation settings shared by every case are in GENERATION.
"""

from __future__ import annotations

# Greedy generation (cli-contract.md --greedy): thinker argmax; talker argmax after repetition penalty 1.05 and the
# suppression of codec ids 2048..3071 except EOS 2150; code predictor argmax.
GENERATION = {
    "speaker": "Ethan",
    "thinker_do_sample": False,
    "talker_do_sample": False,
    "thinker_max_new_tokens": 8,
    # transformers yields talker_max_new_tokens - 1 frames when no EOS is sampled (qwen3-omni.md §9.5), i.e.
    # `omnidesk run --max-frames 12`
    "talker_max_new_tokens": 13,
}

# Video pre-processing for the oracle. The processor's default per-frame size for videos is
# {shortest_edge: 128*32*32, longest_edge: 768*32*32} (>= 128 tokens per temporal group); the fixture clip would then be
# up-scaled to 320x448 and its pixel values alone would take ~7 MB. The oracle passes the image limits instead, under
# which the 96x64 frames need no resampling at all (so no resampler differences can creep in).
VIDEO_SIZE = {"shortest_edge": 3136, "longest_edge": 12845056}

SYSTEM_PROMPT = (
    "You are a helpful voice assistant. Keep your answers short and conversational, and never use lists or symbols."
)

CASES = [
    {
        "name": "text",
        "description": "Text only, no system prompt: plain ChatML, 1-D positions (all three M-RoPE rows equal). Also "
                       "stores the code predictor's 15 logit rows of frame 0.",
        "code_predictor_logits": True,
        "messages": [
            {"role": "user", "content": [
                {"type": "text", "text": "Tell me a short story about a robot who learns to paint."}]},
        ],
    },
    {
        "name": "audio",
        "description": "One 16 kHz mono speech clip + text. The WAV decodes exactly (int16/32768), so the whole chain "
                       "file -> log-mel -> audio encoder is bit-reproducible from the file.",
        "messages": [
            {"role": "user", "content": [
                {"type": "audio", "audio": "speech_16k_mono.wav"},
                {"type": "text", "text": "What did the speaker ask?"}]},
        ],
    },
    {
        "name": "image",
        "description": "One odd-sized RGB PNG (75x53 -> smart_resize 64x64, PIL bicubic) + text.",
        "messages": [
            {"role": "user", "content": [
                {"type": "image", "image": "image_odd_75x53.png"},
                {"type": "text", "text": "Describe this image in one sentence."}]},
        ],
    },
    {
        "name": "images_audio",
        "description": "Five images (multiple of 32, RGBA, grayscale, EXIF-rotated JPEG, 50:1 aspect) interleaved with "
                       "two audio clips (44.1 kHz stereo, 22.05 kHz mono): batch-padded features with a 2-row mask, "
                       "resampling + downmix, image/audio position interleaving, deepstack over several images, and "
                       "the talker audio_config workaround (audio + image with speech).",
        "messages": [
            {"role": "user", "content": [
                {"type": "image", "image": "image_mult32_96x64.png"},
                {"type": "audio", "audio": "speech_44k1_stereo.wav"},
                {"type": "image", "image": "image_rgba_77x45.png"},
                {"type": "image", "image": "image_gray_50x50.png"},
                {"type": "audio", "audio": "speech_22k05_mono.wav"},
                {"type": "image", "image": "image_exif_rot6_40x100.jpg"},
                {"type": "image", "image": "image_wide_400x8.png"},
                {"type": "text", "text": "Answer the spoken questions about these pictures."}]},
        ],
    },
    {
        "name": "video",
        "description": "A 2.4 s 25 fps clip sampled at 2 fps (4 frames -> 2 temporal groups), its audio track ignored. "
                       "Sample fps is 4/60*25 = 1.667, so seconds-per-grid is 1.2 and temporal positions are "
                       "fractional (0, 15.6).",
        "messages": [
            {"role": "user", "content": [
                {"type": "video", "video": "video_96x64_25fps_2s4.mkv"},
                {"type": "text", "text": "What happens in this video?"}]},
        ],
        "use_audio_in_video": False,
    },
    {
        "name": "video_audio",
        "description": "The same clip with use_audio_in_video=True: its 16 kHz mono track becomes the audio, and video "
                       "and audio tokens are interleaved by time inside <|vision_start|><|audio_start|> ... "
                       "<|audio_end|><|vision_end|>.",
        "messages": [
            {"role": "user", "content": [
                {"type": "video", "video": "video_96x64_25fps_2s4.mkv"},
                {"type": "text", "text": "Describe what you see and hear."}]},
        ],
        "use_audio_in_video": True,
    },
    {
        "name": "long_audio",
        "description": "32.32 s of 16 kHz speech: no 30 s truncation (transformers 5.x), 3232 mel frames -> 33 chunks "
                       "-> 420 audio tokens, encoder attention in 104-token (8 s) windows with a partial last window. "
                       "Its code2wav module golden uses 80 frames, more than code2wav's 72-frame sliding window.",
        "code2wav_frames": 80,
        "messages": [
            {"role": "user", "content": [
                {"type": "audio", "audio": "speech_long_16k_mono.wav"},
                {"type": "text", "text": "Transcribe the recording."}]},
        ],
    },
    {
        "name": "system",
        "description": "System prompt + text. The talker prompt drops the system segment.",
        "messages": [
            {"role": "system", "content": [{"type": "text", "text": SYSTEM_PROMPT}]},
            {"role": "user", "content": [{"type": "text", "text": "What can you do for me?"}]},
        ],
    },
    {
        "name": "two_turn",
        "description": "Two user turns around an assistant turn; the first turn has 48 kHz audio. The talker prompt "
                       "keeps both user segments (hidden_projection at the earlier turn's audio slots) and drops the "
                       "earlier assistant turn.",
        "messages": [
            {"role": "user", "content": [
                {"type": "audio", "audio": "speech_48k_mono.wav"},
                {"type": "text", "text": "Please answer briefly."}]},
            {"role": "assistant", "content": [{"type": "text", "text": "Yes, I can hear you clearly."}]},
            {"role": "user", "content": [{"type": "text", "text": "Thanks! What did I just ask you?"}]},
        ],
    },
]
