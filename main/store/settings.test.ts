import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../ipc/schemas/settings';
import { salvageSettings, settingsFile, SettingsStore, turnWithSettings } from './settings';

let home: string;
beforeEach(() => (home = mkdtempSync(path.join(os.tmpdir(), 'omnidesk-settings-'))));
afterEach(() => rmSync(home, { recursive: true, force: true }));

const onDisk = () => JSON.parse(readFileSync(settingsFile(home), 'utf8'));

describe('settings store', () => {
  it('starts from the defaults without writing a file', async () => {
    const store = SettingsStore.open(home);
    expect(store.settings).toEqual(DEFAULT_SETTINGS);
    expect(store.settings.sampling).toEqual({ temperature: 0.6, topP: 0.95, topK: 20, repetitionPenalty: 1, maxTokens: 1024 });
    expect(store.pendingNotice).toBeUndefined();
    expect(existsSync(settingsFile(home))).toBe(false);
  });

  it('applies a change field by field, writes it, tells listeners, and reads it back', async () => {
    const store = SettingsStore.open(home);
    const heard: unknown[] = [];
    store.onChange((settings) => heard.push(settings.voice));
    await store.update({ voice: { speak: false }, sampling: { temperature: 0.2 }, theme: 'dark' });
    expect(onDisk()).toMatchObject({ voice: { speaker: 'Ethan', speak: false }, sampling: { temperature: 0.2, topP: 0.95 }, theme: 'dark' });
    expect(heard).toEqual([{ speaker: 'Ethan', speak: false }]);
    expect(SettingsStore.open(home).settings).toEqual(store.settings);
  });

  it('writes in order: the file ends with the last of several quick changes, and no temporary file stays', async () => {
    const store = SettingsStore.open(home);
    await Promise.all([0.1, 0.2, 0.3, 0.4].map((temperature) => store.update({ sampling: { temperature } })));
    expect(onDisk().sampling.temperature).toBe(0.4);
    expect(readdirSync(home)).toEqual(['settings.json']);
  });

  it('reads a file written before the model section with the model loaded at start, and no notice', async () => {
    const { model: _, ...older } = DEFAULT_SETTINGS;
    writeFileSync(settingsFile(home), JSON.stringify({ ...older, theme: 'dark' }));
    const store = SettingsStore.open(home);
    expect(store.settings).toEqual({ ...DEFAULT_SETTINGS, theme: 'dark' });
    expect(store.settings.model).toEqual({ loadAtStart: true });
    expect(store.pendingNotice).toBeUndefined();
    await store.update({ model: { loadAtStart: false } });
    expect(onDisk().model).toEqual({ loadAtStart: false });
  });

  it('refuses an invalid change and keeps what it had', async () => {
    const store = SettingsStore.open(home);
    await expect(store.update({ sampling: { temperature: 7 } })).rejects.toThrow();
    expect(store.settings).toEqual(DEFAULT_SETTINGS);
  });

  it('keeps a file that is not JSON aside, starts from the defaults and says where the file went', async () => {
    writeFileSync(settingsFile(home), '{"theme": "dark",');
    const store = SettingsStore.open(home, () => 1234);
    await store.whenSaved();
    expect(store.settings).toEqual(DEFAULT_SETTINGS);
    expect(store.pendingNotice).toEqual({
      message: expect.stringMatching(/^Omnidesk could not read all of settings\.json: it is not valid JSON \(.+\)\.$/),
      keptAs: path.join(home, 'settings.unreadable-1234.json'),
    });
    expect(readFileSync(path.join(home, 'settings.unreadable-1234.json'), 'utf8')).toBe('{"theme": "dark",');
    expect(onDisk()).toEqual(DEFAULT_SETTINGS);
  });

  it('keeps every readable field of a partly broken file and names the ones it reset; a change clears the notice', async () => {
    writeFileSync(settingsFile(home), JSON.stringify({ theme: 'dark', sampling: { temperature: 9, topK: 5 }, voice: 'loud', future: 1 }));
    const store = SettingsStore.open(home, () => 99);
    expect(store.settings).toEqual({ ...DEFAULT_SETTINGS, theme: 'dark', sampling: { ...DEFAULT_SETTINGS.sampling, topK: 5 } });
    expect(store.pendingNotice?.message).toBe(
      'Omnidesk could not read all of settings.json: these settings could not be read and were reset to their defaults: voice, sampling.temperature, future.',
    );
    await store.update({ theme: 'light' });
    expect(store.pendingNotice).toBeUndefined();
  });
});

describe('salvageSettings', () => {
  it('fills a file from an older version (sections missing) with defaults and reports nothing', () => {
    expect(salvageSettings({ theme: 'light' })).toEqual({ settings: { ...DEFAULT_SETTINGS, theme: 'light' }, reset: [] });
    expect(salvageSettings(null)).toEqual({ settings: DEFAULT_SETTINGS, reset: [] });
  });

  it('resets a section given in the wrong shape by its fields, and unknown fields inside a section', () => {
    expect(salvageSettings({ voice: 'loud', devices: { input: 'mic-1', speaker: 'x' } }).reset).toEqual(['voice', 'devices.speaker']);
    expect(salvageSettings({ pushToTalk: { globalHotkey: 'Q' } })).toEqual({ settings: DEFAULT_SETTINGS, reset: ['pushToTalk.globalHotkey'] });
  });
});

describe('turnWithSettings', () => {
  const turn = { conversationId: 'c', turnId: 't', text: 'Hi', attachments: [], micAudio: false, speak: true };

  it('applies the chosen voice and system prompt, and speech off silences every reply', () => {
    const settings = { ...DEFAULT_SETTINGS, voice: { speaker: 'Chelsie', speak: false }, systemPrompt: ' Be brief. ' };
    expect(turnWithSettings(turn, settings)).toEqual({ ...turn, speak: false, speaker: 'Chelsie', system: 'Be brief.' });
  });

  it('keeps what the turn chose itself, and sends no system prompt when none is set', () => {
    expect(turnWithSettings({ ...turn, speak: false, speaker: 'Aiden', system: 'x' }, DEFAULT_SETTINGS)).toEqual({ ...turn, speak: false, speaker: 'Aiden', system: 'x' });
    expect(turnWithSettings(turn, DEFAULT_SETTINGS)).toEqual({ ...turn, speaker: 'Ethan' });
  });
});
