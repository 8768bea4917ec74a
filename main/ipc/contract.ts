/**
 * The one IPC contract between renderer, preload and main (and the preview bridge, which speaks it over a
 * WebSocket). Control plane only: request/response channels and main → renderer events. Binary audio never
 * travels here; it uses the direct renderer ↔ engine stream port (`StreamUp`/`StreamDown`).
 *
 * Every payload is a zod schema, so the same definition gives the TypeScript types and the runtime validation
 * applied where a payload crosses a process boundary.
 */
import { z } from 'zod';
import {
  ChatInterruptRequest,
  ChatInterruptResult,
  ChatSendAccepted,
  ChatSendRequest,
  EngineInfo,
  ErrorInfoSchema,
  Id,
  LoadState,
  TurnEvent,
} from '../engine/protocol';
import { ConversationChange, conversationChannels } from './schemas/conversations';
import { modelChannels, ModelJob } from './schemas/models';
import { Settings, settingsChannels } from './schemas/settings';
import { screenChannels } from './schemas/screen';
import { pushToTalkChannels, pushToTalkEvents } from './schemas/pushToTalk';
import { remoteChannels } from './schemas/remote';

export { LIMITS, StreamDown, StreamUp, TurnEvent, Attachment, ChatSendRequest } from '../engine/protocol';
export type { ErrorInfo, ErrorCode } from '../engine/errors';

/** Prefix of every Electron IPC channel name, so a stray listener never matches ours. */
export const CHANNEL_PREFIX = 'omnidesk:';
/** The preload forwards the engine stream port to the page with this window message type. */
export const STREAM_PORT_MESSAGE = 'omnidesk:engine-stream';

/** What the running engine has opened of a local model, and how that went (a new engine process has nothing open). */
export const ModelStatus = z.strictObject({
  bundleDir: z.string(),
  model: LoadState,
  /** The talker side, once a spoken turn or a preload started to open it. */
  speech: LoadState.optional(),
});
export type ModelStatus = z.infer<typeof ModelStatus>;
export type { LoadState };

export const EngineState = z.strictObject({
  state: z.enum(['starting', 'ready', 'busy', 'crashed', 'stopped']),
  /** Restarts since the app started; the backoff grows with consecutive crashes. */
  restarts: z.number().int().nonnegative(),
  lastError: ErrorInfoSchema.optional(),
  /** Milliseconds until the next restart attempt while crashed. */
  retryInMs: z.number().int().nonnegative().optional(),
  model: ModelStatus.optional(),
});
export type EngineState = z.infer<typeof EngineState>;

export const SystemInfo = z.strictObject({
  app: z.strictObject({ name: z.string(), version: z.string() }),
  shell: z.enum(['electron', 'preview']),
  electron: z.string().optional(),
  engine: EngineInfo,
});
export type SystemInfo = z.infer<typeof SystemInfo>;

export * from './schemas/conversations';
export * from './schemas/models';
export * from './schemas/settings';
export * from './schemas/screen';
export * from './schemas/pushToTalk';
export * from './schemas/remote';

const Empty = z.strictObject({});

/** Renderer → main, answered with a result. Names are the `window.omnidesk` action paths. */
export const invokeChannels = {
  'system.info': { request: Empty, response: SystemInfo },
  'engine.status': { request: Empty, response: EngineState },
  /** Ask for a direct stream port to the engine; it arrives as a window message carrying `nonce`. */
  'engine.openStream': { request: z.strictObject({ nonce: Id }), response: z.strictObject({ nonce: Id }) },
  /** Main stores the user's message before the engine is asked, so a crash cannot lose it. */
  'chat.send': { request: ChatSendRequest, response: ChatSendAccepted },
  'chat.interrupt': { request: ChatInterruptRequest, response: ChatInterruptResult },
  ...conversationChannels,
  ...settingsChannels,
  ...modelChannels,
  ...screenChannels,
  ...pushToTalkChannels,
  ...remoteChannels,
} as const;

/** Main → renderer. */
export const eventChannels = {
  'engine.state': EngineState,
  'turn.event': TurnEvent,
  /** A conversation was created, changed, renamed or deleted (by this window or another). */
  'conversations.changed': ConversationChange,
  'settings.changed': Settings,
  'models.progress': ModelJob,
  ...pushToTalkEvents,
} as const;

export type InvokeChannel = keyof typeof invokeChannels;
export type EventChannel = keyof typeof eventChannels;
export type InvokeRequest<C extends InvokeChannel> = z.infer<(typeof invokeChannels)[C]['request']>;
export type InvokeResponse<C extends InvokeChannel> = z.infer<(typeof invokeChannels)[C]['response']>;
export type EventPayload<E extends EventChannel> = z.infer<(typeof eventChannels)[E]>;

/** Results cross the boundary as data: Electron flattens thrown errors into strings. */
export type InvokeResult<T> = { ok: true; value: T } | { ok: false; error: z.infer<typeof ErrorInfoSchema> };

export const isInvokeChannel = (name: unknown): name is InvokeChannel =>
  typeof name === 'string' && Object.prototype.hasOwnProperty.call(invokeChannels, name);

export const ipcChannel = (name: InvokeChannel | EventChannel) => `${CHANNEL_PREFIX}${name}`;

export { Id };
