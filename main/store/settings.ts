/**
 * `<home>/settings.json`. Read once at start (synchronously: a few hundred bytes, before any window asks for them),
 * then changed only through `update`, each change written atomically
 * (temporary file, fsync, rename) and in order. A file this version cannot read is never silently overwritten:
 * what can be read is kept field by field, the rest falls back to the defaults, the original is kept aside as
 * `settings.unreadable-<time>.json`, and a notice says so until the next change.
 */
import { readFileSync, renameSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { OmniError } from '../engine/errors';
import type { ChatSendRequest } from '../engine/protocol';
import { DEFAULT_SETTINGS, LOCAL_BACKEND, mergeSettings, Settings, type SettingsNotice, type SettingsPatch } from '../ipc/schemas/settings';

export const settingsFile = (home: string) => path.join(home, 'settings.json');

type Sections = typeof Settings.shape;

/** Each field that parses is kept; every other one takes its default. Returns the settings and the fields reset. */
/**
 * What a turn asks of the engine under the user's settings: speech off turns every reply silent, and the chosen
 * voice and system prompt apply unless the turn names its own.
 */
export function turnWithSettings(request: ChatSendRequest, settings: Settings): ChatSendRequest {
  const system = request.system ?? (settings.systemPrompt.trim() || undefined);
  return {
    ...request,
    speak: request.speak && settings.voice.speak,
    speaker: request.speaker ?? settings.voice.speaker,
    ...(system !== undefined ? { system } : {}),
  };
}

export function salvageSettings(raw: unknown): { settings: Settings; reset: string[] } {
  const source = raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  const reset: string[] = [];
  const result: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(Settings.shape) as Array<[keyof Sections, z.ZodType]>) {
    const fallback = DEFAULT_SETTINGS[key];
    const value = source[key];
    if (schema instanceof z.ZodObject && typeof fallback === 'object' && fallback !== null) {
      const isObject = value !== null && typeof value === 'object' && !Array.isArray(value);
      if (!isObject && value !== undefined) reset.push(key);
      const given = isObject ? (value as Record<string, unknown>) : {};
      result[key] = Object.fromEntries(
        Object.entries(fallback).map(([field, fieldDefault]) => {
          const parsed = (schema.shape as Record<string, z.ZodType>)[field].safeParse(given[field]);
          if (!parsed.success && field in given) reset.push(`${key}.${field}`);
          return [field, parsed.success ? parsed.data : fieldDefault];
        }),
      );
      const unknown = Object.keys(given).filter((field) => !(field in fallback));
      reset.push(...unknown.map((field) => `${key}.${field}`));
    } else {
      const parsed = schema.safeParse(value);
      if (!parsed.success && value !== undefined) reset.push(key);
      result[key] = parsed.success ? parsed.data : fallback;
    }
  }
  reset.push(...Object.keys(source).filter((key) => !(key in Settings.shape)));
  const settings = Settings.parse(result);
  if (unknownDefaultBackend(settings)) {
    reset.push('remote.defaultBackend');
    settings.remote.defaultBackend = LOCAL_BACKEND;
  }
  return { settings, reset };
}

/** A default backend naming no configured server (a hand-edited file, a server removed elsewhere). */
const unknownDefaultBackend = ({ remote }: Settings) => remote.defaultBackend !== LOCAL_BACKEND && !remote.servers.some((server) => server.id === remote.defaultBackend);

async function writeAtomically(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  const handle = await open(temporary, 'w');
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

export class SettingsStore {
  private writes: Promise<void> = Promise.resolve();
  private readonly listeners = new Set<(settings: Settings) => void>();

  private constructor(
    private readonly file: string,
    private current: Settings,
    private notice: SettingsNotice | undefined,
  ) {}

  static open(home: string, now: () => number = Date.now): SettingsStore {
    const file = settingsFile(home);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new SettingsStore(file, DEFAULT_SETTINGS, undefined);
      throw error;
    }
    let raw: unknown;
    let problem: string | undefined;
    try {
      raw = JSON.parse(text);
    } catch (error) {
      problem = `it is not valid JSON (${(error as Error).message})`;
    }
    const { settings, reset } = salvageSettings(raw);
    if (!problem && reset.length === 0) return new SettingsStore(file, settings, undefined);
    problem ??= `these settings could not be read and were reset to their defaults: ${reset.join(', ')}`;
    const keptAs = path.join(path.dirname(file), `settings.unreadable-${now()}.json`);
    renameSync(file, keptAs);
    const store = new SettingsStore(file, settings, { message: `Omnidesk could not read all of settings.json: ${problem}.`, keptAs });
    // What could be read is written back at once; a failed write is retried by the next change.
    store.save().catch(() => undefined);
    return store;
  }

  get settings(): Settings {
    return this.current;
  }

  /** The notice about an unreadable file, until the user changes a setting. */
  get pendingNotice(): SettingsNotice | undefined {
    return this.notice;
  }

  onChange(listener: (settings: Settings) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async update(patch: SettingsPatch): Promise<Settings> {
    const next = Settings.parse(mergeSettings(this.current, patch));
    if (unknownDefaultBackend(next)) {
      throw new OmniError('INVALID_REQUEST', `settings.set: remote.defaultBackend: there is no remote server "${next.remote.defaultBackend}"`, 'Add the server in Settings first, or choose "This computer".');
    }
    return this.commit(next);
  }

  /** The remote servers as ./remoteServers.ts changes them; a default naming a removed one becomes local. */
  setRemoteServers(servers: Settings['remote']['servers']): Promise<Settings> {
    const remote = { ...this.current.remote, servers };
    if (unknownDefaultBackend({ ...this.current, remote })) remote.defaultBackend = LOCAL_BACKEND;
    return this.commit(Settings.parse({ ...this.current, remote }));
  }

  private async commit(next: Settings): Promise<Settings> {
    this.current = next;
    this.notice = undefined;
    await this.save();
    this.listeners.forEach((listener) => listener(this.current));
    return this.current;
  }

  /** Resolves once every write started so far has ended (tests, app quit). */
  whenSaved = (): Promise<void> => this.writes.catch(() => undefined);

  /** Writes the current settings after any write in flight, so the file always ends with the last change. */
  private save(): Promise<void> {
    const text = `${JSON.stringify(this.current, null, 2)}\n`;
    this.writes = this.writes.catch(() => undefined).then(() => writeAtomically(this.file, text));
    return this.writes;
  }
}
