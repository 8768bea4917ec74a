/**
 * The checkpoint's chat template rendered with @huggingface/jinja the way transformers' `apply_chat_template` does
 * (qwen3-omni.md §6.1): same lookup order of template files, same variables (`messages`, `tools`, `documents`,
 * `add_generation_prompt`, the tokenizer's special tokens, extra keyword arguments), trim/lstrip blocks.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Template } from '@huggingface/jinja';
import { OmniError } from '../../errors';
import { readJsonFile } from '../config';
import type { TokenizerConfig } from './tokenizer';

/** A file path, or the encoded file's bytes. */
export type MediaSource = string | Uint8Array;

export type ContentItem =
  | { type: 'text'; text: string }
  | { type: 'image'; image: MediaSource }
  /** A Float32Array is 16 kHz mono PCM (microphone), used as is. */
  | { type: 'audio'; audio: MediaSource | Float32Array }
  | { type: 'video'; video: string };

export interface ChatMessage {
  role: string;
  content: string | ContentItem[];
}

/**
 * Finds the template as transformers 5.18 does: the processor's `chat_template.json`, else `chat_template.jinja`,
 * else the tokenizer's `chat_template` (a named list picks "default").
 */
export function loadChatTemplateSource(dir: string, tokenizerConfig: TokenizerConfig): string {
  const legacy = path.join(dir, 'chat_template.json');
  if (existsSync(legacy)) {
    const json = readJsonFile(legacy) as { chat_template?: unknown };
    if (typeof json.chat_template !== 'string') {
      throw new OmniError('CHECKPOINT_INVALID', `${legacy}: chat_template: expected a string`);
    }
    return json.chat_template;
  }
  const jinja = path.join(dir, 'chat_template.jinja');
  if (existsSync(jinja)) return readFileSync(jinja, 'utf8');
  const fromTokenizer = tokenizerConfig.chat_template;
  if (typeof fromTokenizer === 'string') return fromTokenizer;
  const named = fromTokenizer?.find((t) => t.name === 'default');
  if (named) return named.template;
  throw new OmniError(
    'CHECKPOINT_INVALID',
    `${dir}: no chat template (looked for chat_template.json, chat_template.jinja and tokenizer_config.json chat_template)`,
  );
}

export class ChatTemplate {
  private readonly template: Template;

  constructor(
    source: string,
    private readonly specialTokensMap: Record<string, string>,
  ) {
    this.template = new Template(source);
  }

  render(messages: readonly ChatMessage[], options: { addGenerationPrompt?: boolean; kwargs?: Record<string, unknown> } = {}): string {
    return this.template.render({
      ...this.specialTokensMap,
      ...options.kwargs,
      messages: messages.map(templateMessage),
      tools: null,
      documents: null,
      add_generation_prompt: options.addGenerationPrompt ?? false,
    });
  }
}

/** Templates see the content items as given; media payloads other than paths become an opaque marker (cheap to convert). */
function templateMessage(message: ChatMessage): ChatMessage | Record<string, unknown> {
  if (typeof message.content === 'string') return message;
  return {
    ...message,
    content: message.content.map((item) => {
      if (item.type === 'text') return item;
      const payload = (item as Record<string, unknown>)[item.type];
      return typeof payload === 'string' ? item : { ...item, [item.type]: `<${item.type} data>` };
    }),
  };
}
