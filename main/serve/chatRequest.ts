/**
 * The body of `POST /v1/chat/completions` (OpenAI's Chat Completions request, with vLLM's `top_k`,
 * `repetition_penalty`, `audio_url` and `video_url` parts) validated into what a turn needs. Media arrive as data
 * URLs and become the engine's attachments here, checked against its limits. Fields that would change what the
 * reply means and that this server cannot honour (`n` > 1, tools, stop sequences …) are refused with a 400 naming
 * them; harmless ones (`user`, `metadata`, `store` …) are ignored.
 */
import { z } from 'zod';
import type { SamplingSettings } from '../engine/runtime/sampling/sampler';
import { Attachment, LIMITS } from '../engine/protocol';
import { decodeBase64, parseDataUrl } from './dataUrl';
import { invalidRequest } from './openaiErrors';

/** A message as the turn sees it: text, or text and media in the order given. */
export interface RequestMessage {
  role: 'system' | 'user' | 'assistant';
  content: RequestPart[];
  /** An assistant message may stand for an earlier spoken reply by its id (OpenAI's multi-turn audio). */
  audioId?: string;
}

export type RequestPart = { type: 'text'; text: string } | { type: 'media'; attachment: Attachment };

export type AudioFormat = 'wav' | 'pcm16';

export interface ChatRequest {
  model: string;
  messages: RequestMessage[];
  /** Present when the reply is to be spoken. */
  speech?: { voice?: string; format: AudioFormat; maxFrames?: number };
  stream: boolean;
  includeUsage: boolean;
  maxNewTokens?: number;
  sampling: Partial<SamplingSettings>;
  seed?: number;
  useAudioInVideo: boolean;
}

/** `input_audio.format` values and their media types. */
const INPUT_AUDIO_TYPES = {
  wav: 'audio/wav',
  mp3: 'audio/mpeg',
  flac: 'audio/flac',
  ogg: 'audio/ogg',
  opus: 'audio/opus',
  webm: 'audio/webm',
  m4a: 'audio/mp4',
  aac: 'audio/aac',
} as const;
const INPUT_AUDIO_FORMATS = Object.keys(INPUT_AUDIO_TYPES) as (keyof typeof INPUT_AUDIO_TYPES)[];

/** One media part → the engine's attachment, held to the same rules as the app's (types, size). */
function attachment(kind: 'image' | 'audio' | 'video', mime: string, data: Uint8Array, ctx: z.RefinementCtx): Attachment {
  const checked = Attachment.safeParse({ kind, name: kind, mime, data });
  if (checked.success) return checked.data;
  for (const issue of checked.error.issues) {
    const field = issue.path[0] === 'mime' ? `the media type ${mime}` : issue.path[0] === 'data' ? 'the decoded data' : String(issue.path[0]);
    ctx.addIssue({ code: 'custom', message: `${field}: ${issue.message}` });
  }
  return z.NEVER;
}

const dataUrlOf = (kind: 'image' | 'audio' | 'video') =>
  z.string().transform((url, ctx) => {
    const parsed = parseDataUrl(url);
    if (typeof parsed === 'string') {
      ctx.addIssue({ code: 'custom', message: parsed });
      return z.NEVER;
    }
    if (!parsed.mime.startsWith(`${kind}/`)) {
      ctx.addIssue({ code: 'custom', message: `holds ${parsed.mime}, not ${kind === 'image' ? 'an' : 'a'} ${kind}` });
      return z.NEVER;
    }
    return attachment(kind, parsed.mime, parsed.bytes, ctx);
  });

const media = (attachment: Attachment): RequestPart => ({ type: 'media', attachment });

const TextPart = z.object({ type: z.literal('text'), text: z.string() });
const UserPart = z.discriminatedUnion(
  'type',
  [
    TextPart,
    z.object({ type: z.literal('image_url'), image_url: z.object({ url: dataUrlOf('image'), detail: z.string().optional() }) }).transform((p) => media(p.image_url.url)),
    z.object({ type: z.literal('audio_url'), audio_url: z.object({ url: dataUrlOf('audio') }) }).transform((p) => media(p.audio_url.url)),
    z.object({ type: z.literal('video_url'), video_url: z.object({ url: dataUrlOf('video') }) }).transform((p) => media(p.video_url.url)),
    z
      .object({
        type: z.literal('input_audio'),
        input_audio: z
          .object({
            data: z.string(),
            format: z.enum(INPUT_AUDIO_FORMATS, { error: `must be one of ${INPUT_AUDIO_FORMATS.join(', ')}` }),
          })
          .transform((audio, ctx) => {
            const bytes = decodeBase64(audio.data);
            if (typeof bytes === 'string') {
              ctx.addIssue({ code: 'custom', path: ['data'], message: bytes });
              return z.NEVER;
            }
            return attachment('audio', INPUT_AUDIO_TYPES[audio.format], bytes, ctx);
          }),
      })
      .transform((p) => media(p.input_audio)),
  ],
  { error: (issue) => (issue.code === 'invalid_union' ? 'must be one of text, image_url, input_audio, audio_url, video_url' : undefined) },
);

/** A string is one text part, so every error below has a path into the parts. */
const parts = <T extends z.ZodType>(part: T) => z.preprocess((content) => (typeof content === 'string' ? [{ type: 'text', text: content }] : content), z.array(part));
const TextContent = parts(z.discriminatedUnion('type', [TextPart], { error: (issue) => (issue.code === 'invalid_union' ? 'only text parts are accepted here' : undefined) }));

const Message = z.discriminatedUnion(
  'role',
  [
    z.object({ role: z.enum(['system', 'developer']), content: TextContent }).transform((m) => ({ role: 'system' as const, content: m.content })),
    z.object({ role: z.literal('user'), content: parts(UserPart) }),
    z
      .object({
        role: z.literal('assistant'),
        content: TextContent.nullish(),
        audio: z.object({ id: z.string() }).nullish(),
        tool_calls: neutral((v) => Array.isArray(v) && v.length === 0, 'tool calls are not supported: this server has no tools'),
      })
      .transform((m, ctx) => {
        if (!m.content?.length && !m.audio) ctx.addIssue({ code: 'custom', path: ['content'], message: 'an assistant message needs content or audio.id' });
        return { role: 'assistant' as const, content: m.content ?? [], ...(m.audio && { audioId: m.audio.id }) };
      }),
  ],
  { error: (issue) => (issue.code === 'invalid_union' ? 'must be system, developer, user or assistant (tools are not supported)' : undefined) },
);

/** A field accepted only at its neutral value (absent, null, or what `isNeutral` allows): anything else changes the meaning. */
function neutral(isNeutral: (value: unknown) => boolean, message: string) {
  return z
    .unknown()
    .optional()
    .refine((value) => value === undefined || value === null || isNeutral(value), message);
}

const OUTPUT_AUDIO_FORMATS = ['wav', 'pcm16'] as const;

const ChatCompletionRequest = z
  .object({
    model: z.string().min(1),
    messages: z.array(Message).min(1, 'must hold at least one message'),
    modalities: z.array(z.enum(['text', 'audio'])).nullish(),
    audio: z
      .object({
        voice: z.union([z.string(), z.object({ id: z.string() }).transform((v) => v.id)], { error: 'must be a voice name' }).optional(),
        format: z.string().optional(),
      })
      .nullish(),
    stream: z.boolean().nullish(),
    stream_options: z.object({ include_usage: z.boolean().nullish() }).nullish(),
    max_tokens: z.int().positive().nullish(),
    max_completion_tokens: z.int().positive().nullish(),
    /** Extension: a cap on the spoken reply, in codec frames of 80 ms (the talker otherwise stops at its own end). */
    max_audio_frames: z.int().positive().nullish(),
    temperature: z.number().min(0).max(2).nullish(),
    top_p: z.number().gt(0).max(1).nullish(),
    top_k: z.int().min(-1).nullish(),
    repetition_penalty: z.number().positive().max(10).nullish(),
    seed: z.int().nullish(),
    mm_processor_kwargs: z.object({ use_audio_in_video: z.boolean().optional() }).nullish(),
    n: neutral((v) => v === 1, 'only one choice per request is supported (n = 1)'),
    tools: neutral((v) => Array.isArray(v) && v.length === 0, 'tools are not supported by this server'),
    functions: neutral((v) => Array.isArray(v) && v.length === 0, 'functions are not supported by this server'),
    tool_choice: neutral((v) => v === 'none', 'tools are not supported by this server'),
    stop: neutral((v) => Array.isArray(v) && v.length === 0, 'stop sequences are not supported by this server'),
    response_format: neutral((v) => (v as { type?: unknown }).type === 'text', 'only text responses are supported ({"type": "text"})'),
    logprobs: neutral((v) => v === false, 'log probabilities are not supported by this server'),
    top_logprobs: neutral((v) => v === 0, 'log probabilities are not supported by this server'),
    logit_bias: neutral((v) => typeof v === 'object' && Object.keys(v as object).length === 0, 'logit_bias is not supported by this server'),
    frequency_penalty: neutral((v) => v === 0, 'frequency_penalty is not supported; use repetition_penalty'),
    presence_penalty: neutral((v) => v === 0, 'presence_penalty is not supported; use repetition_penalty'),
    prediction: neutral(() => false, 'predicted outputs are not supported by this server'),
  })
  .superRefine((body, ctx) => {
    const format = body.audio?.format;
    const allowed: readonly string[] = body.stream ? ['pcm16'] : OUTPUT_AUDIO_FORMATS;
    if (body.modalities?.includes('audio') && format !== undefined && !allowed.includes(format)) {
      ctx.addIssue({
        code: 'custom',
        path: ['audio', 'format'],
        message: `${format} is not supported${body.stream ? ' when streaming' : ''}; use ${allowed.join(' or ')}`,
      });
    }
    const media = body.messages.flatMap((m) => m.content).filter((p) => p.type === 'media').length;
    if (media > LIMITS.attachments) ctx.addIssue({ code: 'custom', path: ['messages'], message: `holds ${media} media parts; at most ${LIMITS.attachments} are accepted` });
  });

/** Throws a 400 whose message names each field at fault ("messages.2.content.0.image_url.url: …"), `param` the first. */
export function parseChatRequest(body: unknown): ChatRequest {
  const parsed = ChatCompletionRequest.safeParse(body);
  if (!parsed.success) {
    const { issues } = parsed.error;
    const message = issues
      .slice(0, 5)
      .map((issue) => `${issue.path.join('.') || 'the request body'}: ${issue.message}`)
      .join('; ');
    throw invalidRequest(message, issues[0].path.join('.') || undefined);
  }
  const r = parsed.data;
  const speaks = r.modalities?.includes('audio') ?? false;
  const temperature = r.temperature ?? undefined;
  return {
    model: r.model,
    messages: r.messages,
    speech: speaks
      ? { voice: r.audio?.voice, format: (r.audio?.format ?? (r.stream ? 'pcm16' : 'wav')) as AudioFormat, maxFrames: r.max_audio_frames ?? undefined }
      : undefined,
    stream: r.stream ?? false,
    includeUsage: r.stream_options?.include_usage ?? false,
    maxNewTokens: r.max_completion_tokens ?? r.max_tokens ?? undefined,
    // Temperature 0 is greedy decoding (transformers' do_sample=False); vLLM's top_k −1 means no top-k step.
    sampling: {
      ...(temperature !== undefined && (temperature === 0 ? { doSample: false } : { doSample: true, temperature })),
      topP: r.top_p ?? undefined,
      topK: r.top_k === -1 ? 0 : (r.top_k ?? undefined),
      repetitionPenalty: r.repetition_penalty ?? undefined,
    },
    seed: r.seed ?? undefined,
    useAudioInVideo: r.mm_processor_kwargs?.use_audio_in_video ?? false,
  };
}
