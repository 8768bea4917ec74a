/**
 * The checkpoint's Qwen2 byte-level BPE tokenizer (qwen3-omni.md §1.5) through @huggingface/tokenizers.
 *
 * transformers 5.18's `Qwen2Tokenizer` always builds its pipeline itself — NFC, the Qwen2 split regex, ByteLevel —
 * and takes only the vocabulary and merges from the snapshot, whether those come from `tokenizer.json` or from
 * `vocab.json` + `merges.txt`; the added tokens are the union of `tokenizer.json`'s list and `tokenizer_config.json`'s
 * `added_tokens_decoder` (the real checkpoint declares the audio tokens 151669..151675 only in the latter). This
 * module rebuilds exactly that `tokenizer.json` object, so both snapshot layouts encode identically.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { z } from 'zod';
import { OmniError } from '../../errors';
import { readJsonFile, validate } from '../config';

const PRETOKENIZE_REGEX =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

const addedTokenSchema = z.object({
  content: z.string(),
  single_word: z.boolean().default(false),
  lstrip: z.boolean().default(false),
  rstrip: z.boolean().default(false),
  normalized: z.boolean().default(false),
  special: z.boolean().default(false),
});
type AddedToken = z.output<typeof addedTokenSchema> & { id: number };

const tokenizerConfigSchema = z
  .object({
    tokenizer_class: z.enum(['Qwen2Tokenizer', 'Qwen2TokenizerFast'], { error: 'expected Qwen2Tokenizer' }),
    added_tokens_decoder: z.record(z.string().regex(/^\d+$/), addedTokenSchema).default({}),
    add_prefix_space: z.boolean().nullable().default(false),
    chat_template: z
      .union([z.string(), z.array(z.object({ name: z.string(), template: z.string() }))])
      .optional(),
    audio_token: z.string({ error: 'missing (the processor reads it)' }),
    audio_bos_token: z.string({ error: 'missing (the processor reads it)' }),
    audio_eos_token: z.string({ error: 'missing (the processor reads it)' }),
    image_token: z.string({ error: 'missing (the processor reads it)' }),
    video_token: z.string({ error: 'missing (the processor reads it)' }),
    vision_bos_token: z.string({ error: 'missing (the processor reads it)' }),
    vision_eos_token: z.string({ error: 'missing (the processor reads it)' }),
  })
  .loose();
export type TokenizerConfig = z.output<typeof tokenizerConfigSchema>;

const tokenizerJsonSchema = z.object({
  added_tokens: z.array(addedTokenSchema.extend({ id: z.int() })).default([]),
  model: z.object({
    type: z.literal('BPE', { error: 'expected a BPE model' }),
    vocab: z.record(z.string(), z.int()),
    merges: z.array(z.union([z.string(), z.tuple([z.string(), z.string()])])),
  }),
});

/** The media token strings `Qwen3OmniMoeProcessor` takes from the tokenizer (processing_qwen3_omni_moe.py). */
export interface MediaTokens {
  audio: string;
  audioBos: string;
  audioEos: string;
  image: string;
  video: string;
  visionBos: string;
  visionEos: string;
}

export class TextTokenizer {
  readonly media: MediaTokens;
  /** transformers' `special_tokens_map`, which the processor hands to the chat template as variables. */
  readonly specialTokensMap: Record<string, string>;
  readonly config: TokenizerConfig;
  private readonly tokenizer: Tokenizer;

  constructor(tokenizer: Tokenizer, config: TokenizerConfig) {
    this.tokenizer = tokenizer;
    this.config = config;
    this.media = {
      audio: config.audio_token,
      audioBos: config.audio_bos_token,
      audioEos: config.audio_eos_token,
      image: config.image_token,
      video: config.video_token,
      visionBos: config.vision_bos_token,
      visionEos: config.vision_eos_token,
    };
    this.specialTokensMap = specialTokensMap(config);
  }

  encode(text: string): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: false }).ids;
  }

  decode(ids: ArrayLike<number | bigint>, options: { skipSpecialTokens?: boolean } = {}): string {
    if (ids.length === 0) return '';
    return this.tokenizer.decode(Array.from(ids, Number), { skip_special_tokens: options.skipSpecialTokens ?? false });
  }

  /** The id of a token that must exist (special and media tokens). */
  tokenId(token: string): number {
    const id = this.tokenizer.token_to_id(token);
    if (id === undefined) throw new OmniError('CHECKPOINT_INVALID', `tokenizer: no token "${token}" in the vocabulary`);
    return id;
  }
}

/** Loads the tokenizer of a checkpoint or bundle directory (tokenizer_config.json plus either vocabulary layout). */
export function loadTokenizer(dir: string): TextTokenizer {
  const configFile = path.join(dir, 'tokenizer_config.json');
  const config = validate(tokenizerConfigSchema, readJsonFile(configFile), configFile);
  const tokenizerJsonFile = path.join(dir, 'tokenizer.json');
  const source = existsSync(tokenizerJsonFile)
    ? validate(tokenizerJsonSchema, readJsonFile(tokenizerJsonFile), tokenizerJsonFile)
    : readVocabAndMerges(dir);
  const added = new Map<number, AddedToken>();
  for (const token of source.added_tokens) added.set(token.id, token);
  for (const [id, token] of Object.entries(config.added_tokens_decoder)) added.set(Number(id), { ...token, id: Number(id) });

  const tokenizerJson = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [...added.values()].sort((a, b) => a.id - b.id),
    normalizer: { type: 'NFC' },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: PRETOKENIZE_REGEX }, behavior: 'Isolated', invert: false },
        { type: 'ByteLevel', add_prefix_space: config.add_prefix_space ?? false, trim_offsets: true, use_regex: false },
      ],
    },
    // Qwen2's template post-processor adds nothing (no bos/eos), so there is none to rebuild.
    post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab: source.model.vocab,
      merges: source.model.merges.map((m) => (typeof m === 'string' ? splitMerge(m) : m)),
    },
  };
  // transformers' default for Qwen2 is no clean-up; the library's own default would be to clean up.
  const options = { ...config, clean_up_tokenization_spaces: config.clean_up_tokenization_spaces ?? false };
  return new TextTokenizer(new Tokenizer(tokenizerJson, options), config);
}

function readVocabAndMerges(dir: string): z.output<typeof tokenizerJsonSchema> {
  const vocabFile = path.join(dir, 'vocab.json');
  const vocab = validate(z.record(z.string(), z.int()), readJsonFile(vocabFile), vocabFile);
  const merges = readFileSync(path.join(dir, 'merges.txt'), 'utf8')
    .split('\n')
    .filter((line, i) => line.length > 0 && !(i === 0 && line.startsWith('#version')));
  return { added_tokens: [], model: { type: 'BPE', vocab, merges } };
}

function splitMerge(merge: string): [string, string] {
  const space = merge.indexOf(' ');
  return [merge.slice(0, space), merge.slice(space + 1)];
}

const NAMED_SPECIAL_TOKENS = ['bos_token', 'eos_token', 'unk_token', 'sep_token', 'pad_token', 'cls_token', 'mask_token'];
/** `Qwen2Tokenizer.__init__` defaults, used when tokenizer_config.json omits the key (an explicit null stays null). */
const QWEN2_DEFAULTS: Record<string, string> = { unk_token: '<|endoftext|>', eos_token: '<|endoftext|>', pad_token: '<|endoftext|>' };

/**
 * transformers 5.18's `special_tokens_map`: the named special tokens that are set, then every other `*_token` key of
 * tokenizer_config.json (its "model-specific" tokens: the media tokens here), then a dict `extra_special_tokens`.
 */
function specialTokensMap(config: TokenizerConfig): Record<string, string> {
  const map: Record<string, string> = {};
  const set = (name: string, value: unknown) => {
    const token = tokenString(value);
    if (token !== undefined) map[name] = token;
  };
  for (const name of NAMED_SPECIAL_TOKENS) set(name, name in config ? config[name] : QWEN2_DEFAULTS[name]);
  for (const [name, value] of Object.entries(config)) {
    if (name.endsWith('_token') && !NAMED_SPECIAL_TOKENS.includes(name)) set(name, value);
  }
  const extra = config.extra_special_tokens;
  if (extra && typeof extra === 'object' && !Array.isArray(extra)) {
    for (const [name, value] of Object.entries(extra)) set(name, value);
  }
  return map;
}

function tokenString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { content?: unknown }).content === 'string') {
    return (value as { content: string }).content;
  }
  return undefined;
}
