/**
 * User settings: one schema validates `settings.json` and every change the renderer asks for; the defaults fill in
 * whatever a file lacks or holds in a form this version cannot read, field by field (main/store/settings.ts).
 */
import { z } from 'zod';
import { LIMITS } from '../../engine/protocol';
import { Backend, RemoteServer } from './remote';

export { DEFAULT_SETTINGS, LOCAL_BACKEND, mergeSettings, SYSTEM_PROMPT_CHARS } from './values';

/** KeyboardEvent.code of a physical key ("Space", "KeyT", "F8"), as the in-window push-to-talk listens for it. */
const KeyCode = z.string().regex(/^[A-Za-z0-9]{1,32}$/, 'must be a KeyboardEvent.code such as "Space" or "KeyT"');

const MODIFIER = '(?:CommandOrControl|Control|Alt|Shift|Super)';
const KEY = '(?:[A-Z0-9]|F(?:[1-9]|1[0-9]|2[0-4])|Space|Tab|Backspace|Delete|Insert|Home|End|PageUp|PageDown|Up|Down|Left|Right)';
/** An Electron accelerator with at least one modifier: a bare global key would swallow that key in every app. */
export const Accelerator = z
  .string()
  .max(64)
  .regex(new RegExp(`^(?:${MODIFIER}\\+){1,3}${KEY}$`), 'must be modifiers and a key, such as "CommandOrControl+Shift+Space"');

const Voice = z.strictObject({
  /** A `talker_config.speaker_id` name of the installed model; matched case-insensitively, as Qwen3-Omni does. */
  speaker: z.string().trim().min(1).max(32),
  speak: z.boolean(),
});

const Sampling = z.strictObject({
  temperature: z.number().min(0).max(2),
  topP: z.number().gt(0).max(1),
  topK: z.number().int().min(0).max(1000),
  repetitionPenalty: z.number().min(1).max(2),
  maxTokens: z.number().int().min(16).max(32_768),
});

const Devices = z.strictObject({
  /** MediaDeviceInfo.deviceId; null follows the system default. */
  input: z.string().min(1).max(256).nullable(),
  output: z.string().min(1).max(256).nullable(),
});

const PushToTalk = z.strictObject({
  key: KeyCode,
  globalHotkey: Accelerator.nullable(),
});

/**
 * Servers are changed only through `remote.save`/`remote.remove` (which keep their keys in step); a settings change
 * may pick the default. Whether `defaultBackend` names a configured server is checked by the store.
 */
const Remote = z.strictObject({
  servers: z
    .array(RemoteServer)
    .max(32)
    .refine((servers) => new Set(servers.map((server) => server.id)).size === servers.length, 'must not list a server id twice'),
  /** Who answers a new conversation: "local" or a server's id. */
  defaultBackend: Backend,
});

const Model = z.strictObject({
  /**
   * Open the local model when Omnidesk starts (and when a new one is installed), so the first question does not
   * wait minutes for it; a loaded model holds tens of GB of memory until Omnidesk quits.
   */
  loadAtStart: z.boolean(),
});

const SystemPrompt = z.string().max(LIMITS.systemPromptChars);
const Theme = z.enum(['system', 'light', 'dark']);

export const Settings = z.strictObject({ voice: Voice, sampling: Sampling, systemPrompt: SystemPrompt, devices: Devices, pushToTalk: PushToTalk, theme: Theme, remote: Remote, model: Model });
export type Settings = z.infer<typeof Settings>;
export type Theme = Settings['theme'];


/** A change: any sections, each with any of its fields; what is left out stays as it is. */
export const SettingsPatch = z.strictObject({
  voice: Voice.partial().optional(),
  sampling: Sampling.partial().optional(),
  systemPrompt: SystemPrompt.optional(),
  devices: Devices.partial().optional(),
  pushToTalk: PushToTalk.partial().optional(),
  theme: Theme.optional(),
  remote: Remote.pick({ defaultBackend: true }).partial().optional(),
  model: Model.partial().optional(),
});
export type SettingsPatch = z.infer<typeof SettingsPatch>;

export const SettingsNotice = z.strictObject({
  message: z.string(),
  /** Where the unreadable file was kept, so nothing the user wrote is destroyed. */
  keptAs: z.string(),
});
export type SettingsNotice = z.infer<typeof SettingsNotice>;

export const SettingsView = z.strictObject({
  settings: Settings,
  /** Voices of the installed models (empty before any is installed). */
  speakers: z.array(z.string()),
  notice: SettingsNotice.optional(),
});
export type SettingsView = z.infer<typeof SettingsView>;

export const settingsChannels = {
  'settings.get': { request: z.strictObject({}), response: SettingsView },
  'settings.set': { request: SettingsPatch, response: Settings },
} as const;
