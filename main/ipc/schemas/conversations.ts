/**
 * Conversations as they cross IPC: summaries for the list, full messages for one conversation, search hits and
 * export results. What is stored on disk (main/store) is shaped by these, so the renderer sees exactly the rows.
 */
import { z } from 'zod';
import { ErrorInfoSchema, Id } from '../../engine/protocol';
import { Backend } from './remote';
import { CONVERSATION_LIMITS } from './values';

export { CONVERSATION_LIMITS };


export const MessageStatus = z.enum(['complete', 'streaming', 'interrupted', 'error']);
export type MessageStatus = z.infer<typeof MessageStatus>;

/** A media file, as a path relative to the media folder: `<conversation>/<turn>/<name>`. */
export const MediaPath = z
  .string()
  .max(300)
  .regex(/^[A-Za-z0-9_-]{1,64}\/[A-Za-z0-9_-]{1,64}\/[A-Za-z0-9_-]{1,64}(\/[0-9]{4})?\.[a-z0-9]{1,8}$/, 'must be a media path as the store wrote it');

export const StoredAttachment = z.strictObject({
  kind: z.enum(['image', 'audio', 'video', 'frames']),
  /** The name the user's file had; never used as a path. */
  name: z.string().max(256),
  mime: z.string().max(64),
  /** One file, or one JPEG per frame of a webcam clip. */
  files: z.array(MediaPath).max(64),
  bytes: z.number().int().nonnegative(),
});
export type StoredAttachment = z.infer<typeof StoredAttachment>;

export const StoredAudio = z.strictObject({
  file: MediaPath,
  sampleRate: z.number().int().positive(),
  samples: z.number().int().nonnegative(),
});
export type StoredAudio = z.infer<typeof StoredAudio>;

export const StoredMessage = z.strictObject({
  id: z.string().max(80),
  turnId: Id,
  role: z.enum(['user', 'assistant']),
  text: z.string(),
  status: MessageStatus,
  createdAt: z.number().int(),
  attachments: z.array(StoredAttachment),
  audio: StoredAudio.optional(),
  /** Samples of the spoken reply the user heard before interrupting it. */
  heardSamples: z.number().int().nonnegative().optional(),
  error: ErrorInfoSchema.optional(),
});
export type StoredMessage = z.infer<typeof StoredMessage>;

export const ConversationSummary = z.strictObject({
  id: Id,
  title: z.string(),
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
  messageCount: z.number().int().nonnegative(),
  /** Who answers it: "local" or a remote server's id (which may have been removed since). */
  backend: Backend,
});
export type ConversationSummary = z.infer<typeof ConversationSummary>;

export const ConversationDetail = z.strictObject({
  ...ConversationSummary.shape,
  messages: z.array(StoredMessage),
});
export type ConversationDetail = z.infer<typeof ConversationDetail>;

export const SearchHit = z.strictObject({
  conversationId: Id,
  title: z.string(),
  messageId: z.string().max(80),
  role: z.enum(['user', 'assistant']),
  /** The matching passage, split so the renderer can mark the matched words without parsing markup. */
  snippet: z.array(z.strictObject({ text: z.string(), match: z.boolean() })),
});
export type SearchHit = z.infer<typeof SearchHit>;

export const ExportFormat = z.enum(['markdown', 'json']);
export type ExportFormat = z.infer<typeof ExportFormat>;

export const ConversationChange = z.strictObject({
  id: Id,
  change: z.enum(['created', 'updated', 'renamed', 'deleted']),
});
export type ConversationChange = z.infer<typeof ConversationChange>;

export const conversationChannels = {
  'conversations.list': {
    request: z.strictObject({}),
    response: z.strictObject({ conversations: z.array(ConversationSummary) }),
  },
  'conversations.get': { request: z.strictObject({ id: Id }), response: ConversationDetail },
  'conversations.search': {
    request: z.strictObject({ query: z.string().trim().min(1).max(CONVERSATION_LIMITS.queryChars) }),
    response: z.strictObject({ hits: z.array(SearchHit) }),
  },
  'conversations.rename': {
    request: z.strictObject({ id: Id, title: z.string().trim().min(1).max(CONVERSATION_LIMITS.titleChars) }),
    response: ConversationSummary,
  },
  /** Chooses who answers; for a conversation not saved yet, its first turn takes the choice. */
  'conversations.setBackend': {
    request: z.strictObject({ id: Id, backend: Backend }),
    response: z.strictObject({ id: Id, backend: Backend }),
  },
  'conversations.delete': { request: z.strictObject({ id: Id }), response: z.strictObject({ deleted: z.boolean() }) },
  /** Writes the chosen formats, media and audio (WAV) into a new folder; the shell picks where. */
  'conversations.export': {
    request: z.strictObject({ id: Id, formats: z.array(ExportFormat).min(1).max(2) }),
    response: z.strictObject({ folder: z.string(), files: z.array(z.string()) }),
  },
  /** A stored image or recording, for display and replay after a reload. */
  'conversations.media': {
    request: z.strictObject({ file: MediaPath }),
    response: z.strictObject({ mime: z.string(), data: z.instanceof(Uint8Array) }),
  },
  /**
   * The audio of a turn the renderer holds (the microphone capture, or the reply as played), stored as a WAV file
   * beside the message. 16-bit PCM mono; an interrupted reply is cut to what was heard.
   */
  'conversations.saveAudio': {
    request: z.strictObject({
      turnId: Id,
      role: z.enum(['user', 'assistant']),
      sampleRate: z.union([z.literal(16000), z.literal(24000), z.literal(48000)]),
      /** Float32 samples, little-endian. */
      pcm: z.instanceof(Uint8Array).refine((b) => b.byteLength % 4 === 0 && b.byteLength > 0 && b.byteLength <= CONVERSATION_LIMITS.audioBytes, {
        message: `must be whole Float32 samples, 4 bytes to ${CONVERSATION_LIMITS.audioBytes} bytes`,
      }),
    }),
    response: StoredAudio,
  },
} as const;
