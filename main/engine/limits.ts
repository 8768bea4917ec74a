/**
 * Size limits of what crosses the engine boundary. A module of plain values, apart from the zod schemas of
 * `protocol.ts`, so the renderer can check attachments against the same numbers without bundling zod.
 */
export const LIMITS = {
  textChars: 32_000,
  systemPromptChars: 8_000,
  attachments: 16,
  attachmentBytes: 32 * 1024 * 1024,
  videoFrames: 64,
  /** One microphone or speech chunk: 1 s of 48 kHz Float32 is 192 kB; anything near 1 MB is a bug or an attack. */
  pcmChunkBytes: 1024 * 1024,
} as const;
