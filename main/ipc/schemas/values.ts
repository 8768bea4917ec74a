/**
 * The plain values of the IPC payloads that the renderer uses at run time: limits, default settings and the
 * settings merge. Kept apart from the zod schemas (which only main and the preload need), so importing one of
 * these does not pull the schemas into the renderer bundle.
 */
import { LIMITS } from '../../engine/limits';
import type { Settings, SettingsPatch } from './settings';

export { LIMITS };

export const CONVERSATION_LIMITS = {
  titleChars: 120,
  queryChars: 200,
  listPage: 500,
  searchHits: 50,
  /** A stored media file read back for display or replay; the same cap as an attachment. */
  mediaBytes: 32 * 1024 * 1024,
  /** One saved recording: 10 minutes of 48 kHz Float32. */
  audioBytes: 10 * 60 * 48_000 * 4,
} as const;

/** The longest system prompt the engine accepts. */
export const SYSTEM_PROMPT_CHARS = LIMITS.systemPromptChars;

/** The backend of a conversation answered by the model on this computer; any other backend is a remote server's id. */
export const LOCAL_BACKEND = 'local';

export const DEFAULT_SETTINGS: Settings = {
  // Qwen3-Omni's own default voice.
  voice: { speaker: 'Ethan', speak: true },
  // The Qwen3-Omni README example (T 0.6, top-p 0.95, top-k 20) and the reference's 1024-token reply cap.
  sampling: { temperature: 0.6, topP: 0.95, topK: 20, repetitionPenalty: 1, maxTokens: 1024 },
  systemPrompt: '',
  devices: { input: null, output: null },
  // Off unless chosen: a global shortcut takes the key combination away from every other app.
  pushToTalk: { key: 'Space', globalHotkey: null },
  theme: 'system',
  // No server, no network path: a remote backend exists only once the user adds one.
  remote: { servers: [], defaultBackend: LOCAL_BACKEND },
  // The first answer after a start would otherwise wait minutes for the model to open.
  model: { loadAtStart: true },
};

/**
 * `patch` laid over `base`, section by section (a section's fields merge; other values replace). Works for full
 * settings and for patches alike, so the renderer can combine quick changes before they are sent; main validates
 * the result.
 */
export function mergeSettings<T extends SettingsPatch>(base: T, patch: SettingsPatch): T {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    const current = merged[key];
    merged[key] = typeof value === 'object' && value !== null && typeof current === 'object' && current !== null ? { ...current, ...value } : value;
  }
  return merged as T;
}
