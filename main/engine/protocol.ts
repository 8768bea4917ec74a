/**
 * Messages that cross the engine process boundary. Two planes:
 *  - control: request/response and events between the host (Electron main, the preview server, tests) and the
 *    engine process, as structured-clone messages;
 *  - stream: the direct renderer ↔ engine port carrying microphone PCM up and speech PCM down as ArrayBuffers.
 * Every message is validated on arrival: a peer may be buggy, and the renderer is untrusted.
 */
import { z } from 'zod';
import { ERROR_CODES } from './errors';
import { LIMITS } from './limits';

export const Id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1–64 characters of A–Z, a–z, 0–9, _ or -');

export const ErrorInfoSchema = z.strictObject({
  code: z.enum(ERROR_CODES),
  message: z.string().max(4000),
  hint: z.string().max(4000).optional(),
});

export { LIMITS };

export const ExecutionProviderName = z.enum(['cpu', 'cuda', 'dml', 'coreml', 'webgpu']);
export type ExecutionProviderName = z.infer<typeof ExecutionProviderName>;

export const ExecutionProviderStatus = z.strictObject({
  name: ExecutionProviderName,
  available: z.boolean(),
  /** Why it is unavailable, or what was checked to say it is available. */
  reason: z.string(),
});
export type ExecutionProviderStatus = z.infer<typeof ExecutionProviderStatus>;

export const EngineInfo = z.strictObject({
  pid: z.number().int(),
  node: z.string(),
  platform: z.string(),
  arch: z.string(),
  cpus: z.number().int(),
  totalMemoryBytes: z.number(),
  onnxruntime: z.strictObject({ version: z.string() }),
  executionProviders: z.array(ExecutionProviderStatus),
});
export type EngineInfo = z.infer<typeof EngineInfo>;

const Bytes = (max: number) =>
  z.instanceof(Uint8Array).refine((b) => b.byteLength > 0 && b.byteLength <= max, {
    message: `must be 1 byte to ${max} bytes`,
  });

export const Attachment = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('image'),
    name: z.string().max(256),
    mime: z.enum(['image/png', 'image/jpeg', 'image/webp', 'image/gif', 'image/bmp']),
    data: Bytes(LIMITS.attachmentBytes),
  }),
  z.strictObject({
    kind: z.literal('audio'),
    name: z.string().max(256),
    mime: z.string().max(64).regex(/^audio\//, 'must be an audio/* type'),
    data: Bytes(LIMITS.attachmentBytes),
  }),
  z.strictObject({
    kind: z.literal('video'),
    name: z.string().max(256),
    mime: z.string().max(64).regex(/^video\//, 'must be a video/* type'),
    data: Bytes(LIMITS.attachmentBytes),
  }),
  /** A webcam clip: JPEG frames already sampled at `fps` by the renderer. */
  z.strictObject({
    kind: z.literal('frames'),
    name: z.string().max(256),
    fps: z.number().positive().max(30),
    frames: z.array(Bytes(LIMITS.attachmentBytes / LIMITS.videoFrames)).min(1).max(LIMITS.videoFrames),
  }),
]);
export type Attachment = z.infer<typeof Attachment>;

export const ChatSendRequest = z.strictObject({
  conversationId: Id,
  turnId: Id,
  text: z.string().max(LIMITS.textChars),
  attachments: z.array(Attachment).max(LIMITS.attachments),
  /** The microphone audio streamed on the engine port under this turn id belongs to the turn. */
  micAudio: z.boolean(),
  speak: z.boolean(),
  speaker: z.string().max(32).optional(),
  system: z.string().max(LIMITS.systemPromptChars).optional(),
});
export type ChatSendRequest = z.infer<typeof ChatSendRequest>;

/** Why `baseUrl` is not a usable server address, or undefined when it is. */
function baseUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute URL such as http://gpu-box:8091/v1';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `must be an http:// or https:// URL (got ${url.protocol})`;
  if (url.username || url.password) return 'must not contain a user name or password: put the key in apiKey';
  if (value.includes('?') || value.includes('#')) return 'must not have a query (?…) or fragment (#…)';
  return undefined;
}

/** An OpenAI-compatible server that answers instead of a local model (vLLM-Omni, `omnidesk serve`). */
export const RemoteBackend = z.strictObject({
  /** OpenAI-compatible base URL including the version path, e.g. http://gpu-box:8091/v1 (http or https only). */
  baseUrl: z
    .string()
    .max(2048)
    .superRefine((value, ctx) => {
      const problem = baseUrlProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  apiKey: z.string().max(4096).optional(),
  model: z.string().min(1).max(256),
});
export type RemoteBackend = z.infer<typeof RemoteBackend>;

/**
 * What the host forwards to the engine for a turn: the renderer's request plus what main decides — who answers
 * (an installed bundle, or a remote server; exactly one) and the user's sampling settings.
 */
const BundleDir = z.string().min(1).max(4096);

const EngineChatSendFields = ChatSendRequest.extend({
  bundleDir: BundleDir.optional(),
  remote: RemoteBackend.optional(),
  sampling: z
    .strictObject({
      doSample: z.boolean(),
      temperature: z.number().positive().max(10),
      topK: z.number().int().nonnegative().max(1_000_000),
      topP: z.number().gt(0).max(1),
      repetitionPenalty: z.number().positive().max(10),
      maxNewTokens: z.number().int().positive().max(65_536),
    })
    .partial()
    .optional(),
  /** Cap on codec frames spoken (80 ms each); default the talker's own limit. */
  maxSpeechFrames: z.number().int().positive().max(100_000).optional(),
});
type EngineChatSendFields = z.infer<typeof EngineChatSendFields>;
/** A turn answered by an installed bundle. */
export type LocalChatSendRequest = EngineChatSendFields & { bundleDir: string; remote?: undefined };
/** A turn answered by a remote server. */
export type RemoteChatSendRequest = EngineChatSendFields & { remote: RemoteBackend; bundleDir?: undefined };

export const EngineChatSendRequest = EngineChatSendFields.superRefine((request, ctx) => {
  if ((request.bundleDir === undefined) === (request.remote === undefined)) {
    ctx.addIssue({
      code: 'custom',
      message:
        request.bundleDir === undefined
          ? 'neither bundleDir nor remote is given: say which model answers (an installed bundle or a server)'
          : 'both bundleDir and remote are given: a turn is answered by an installed bundle or by a server, not both',
    });
  }
  // The check above makes the union true; typing it so lets `if (request.remote)` pick the side.
}).transform((request) => request as LocalChatSendRequest | RemoteChatSendRequest);
export type EngineChatSendRequest = z.infer<typeof EngineChatSendRequest>;

export const ChatSendAccepted = z.strictObject({ turnId: Id });

export const ChatInterruptRequest = z.strictObject({
  turnId: Id,
  /** Samples of speech the user actually heard, so the transcript keeps only that part. */
  heardSamples: z.number().int().nonnegative().optional(),
});
export const ChatInterruptResult = z.strictObject({ interrupted: z.boolean() });

/** What a local model opens: the thinker and its encoders, then the talker side on the first spoken turn. */
export const ModelPart = z.enum(['model', 'speech']);
export type ModelPart = z.infer<typeof ModelPart>;

export const TurnEvent = z.discriminatedUnion('type', [
  /** The turn waits for its model (or its speech side) to open, which can take minutes; `started` follows. */
  z.strictObject({ type: z.literal('loading'), turnId: Id, part: ModelPart }),
  z.strictObject({ type: z.literal('started'), turnId: Id }),
  z.strictObject({ type: z.literal('text-delta'), turnId: Id, text: z.string() }),
  z.strictObject({
    type: z.literal('done'),
    turnId: Id,
    text: z.string(),
    interrupted: z.boolean(),
    speechSamples: z.number().int().nonnegative(),
  }),
  z.strictObject({ type: z.literal('error'), turnId: Id, error: ErrorInfoSchema }),
]);
export type TurnEvent = z.infer<typeof TurnEvent>;

/** Opens a bundle ahead of its first turn (and its speech side with `speech`); answered at once. */
export const ModelPreloadRequest = z.strictObject({ bundleDir: BundleDir, speech: z.boolean() });

/** Where opening a part of a local model stands; `since` is the start, in ms since the epoch. */
export const LoadState = z.discriminatedUnion('state', [
  z.strictObject({ state: z.literal('loading'), since: z.number() }),
  z.strictObject({ state: z.literal('loaded'), ms: z.number().nonnegative() }),
  z.strictObject({ state: z.literal('failed'), ms: z.number().nonnegative(), error: ErrorInfoSchema }),
]);
export type LoadState = z.infer<typeof LoadState>;

/** One step of opening a part of a bundle, whether a turn or a preload asked for it. */
export const ModelLoad = z.strictObject({ bundleDir: BundleDir, part: ModelPart, load: LoadState });
export type ModelLoad = z.infer<typeof ModelLoad>;

/** Host → engine requests. The host forwards the renderer's chat calls after its own validation. */
export const engineMethods = {
  'system.info': { params: z.strictObject({}), result: EngineInfo },
  'chat.send': { params: EngineChatSendRequest, result: ChatSendAccepted },
  'chat.interrupt': { params: ChatInterruptRequest, result: ChatInterruptResult },
  'model.preload': { params: ModelPreloadRequest, result: z.strictObject({}) },
  ping: { params: z.strictObject({}), result: z.strictObject({ uptimeMs: z.number() }) },
} as const;
export type EngineMethod = keyof typeof engineMethods;
export type EngineParams<M extends EngineMethod> = z.infer<(typeof engineMethods)[M]['params']>;
export type EngineResult<M extends EngineMethod> = z.infer<(typeof engineMethods)[M]['result']>;

export const HostToEngine = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('request'), id: z.number().int(), method: z.string(), params: z.unknown() }),
  /** A stream port follows in the message's ports (utilityProcess) or is multiplexed (`stream`, forked engine). */
  z.strictObject({ kind: z.literal('attach-stream'), streamId: z.number().int() }),
  z.strictObject({ kind: z.literal('stream'), streamId: z.number().int(), message: z.unknown() }),
  z.strictObject({ kind: z.literal('detach-stream'), streamId: z.number().int() }),
]);
export type HostToEngine = z.infer<typeof HostToEngine>;

export const EngineToHost = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('ready'), pid: z.number().int() }),
  z.strictObject({
    kind: z.literal('response'),
    id: z.number().int(),
    ok: z.boolean(),
    result: z.unknown().optional(),
    error: ErrorInfoSchema.optional(),
  }),
  z.strictObject({ kind: z.literal('turn'), event: TurnEvent }),
  z.strictObject({ kind: z.literal('busy'), busy: z.boolean() }),
  /** Sent before a model part starts to open (which blocks the engine's event loop for minutes) and when it ends. */
  z.strictObject({ kind: z.literal('model'), load: ModelLoad }),
  z.strictObject({ kind: z.literal('stream'), streamId: z.number().int(), message: z.unknown() }),
]);
export type EngineToHost = z.infer<typeof EngineToHost>;

const Pcm = z.instanceof(ArrayBuffer).refine((b) => b.byteLength <= LIMITS.pcmChunkBytes, {
  message: `must be at most ${LIMITS.pcmChunkBytes} bytes`,
});

/** Renderer → engine on the stream port. */
export const StreamUp = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('mic.chunk'),
    turnId: Id,
    seq: z.number().int().nonnegative(),
    sampleRate: z.union([z.literal(16000), z.literal(48000)]),
    format: z.enum(['f32', 's16']),
    pcm: Pcm,
  }),
  z.strictObject({ type: z.literal('mic.end'), turnId: Id, seq: z.number().int().nonnegative() }),
  z.strictObject({ type: z.literal('mic.cancel'), turnId: Id }),
]);
export type StreamUp = z.infer<typeof StreamUp>;

/** Engine → renderer on the stream port: 24 kHz mono Float32 speech. */
export const StreamDown = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('speech.chunk'),
    turnId: Id,
    seq: z.number().int().nonnegative(),
    sampleRate: z.literal(24000),
    pcm: Pcm,
  }),
  z.strictObject({ type: z.literal('speech.end'), turnId: Id, samples: z.number().int().nonnegative() }),
  z.strictObject({ type: z.literal('mic.received'), turnId: Id, samples: z.number().int().nonnegative() }),
  z.strictObject({ type: z.literal('stream.error'), error: ErrorInfoSchema }),
]);
export type StreamDown = z.infer<typeof StreamDown>;

/** One line per problem, naming the field path: "chat.send: attachments.0.mime: Invalid option …". */
export function describeIssues(where: string, error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${where}: ${issue.path.length ? issue.path.join('.') : '(payload)'}: ${issue.message}`)
    .join('; ');
}
