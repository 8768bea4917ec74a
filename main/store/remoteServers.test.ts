import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RemoteServerSave } from '../ipc/schemas/remote';
import { xorCipher } from '../secrets/testing/xorCipher';
import { EncryptedApiKeys, MemoryApiKeys, type ApiKeys } from './apiKeys';
import { RemoteServers } from './remoteServers';
import { settingsFile, SettingsStore } from './settings';

let home: string;
let ids: number;
beforeEach(() => {
  home = mkdtempSync(path.join(os.tmpdir(), 'omnidesk-remote-'));
  ids = 0;
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

const KEY = 'sk-omnidesk-7f3a9c';
const stateDir = () => path.join(home, 'state');
function open(keys: ApiKeys = new EncryptedApiKeys(stateDir(), xorCipher())) {
  const settings = SettingsStore.open(home);
  return { settings, remote: new RemoteServers(settings, keys, () => `server-${++ids}`) };
}
/** What the renderer would send, parsed as dispatch parses it. */
const save = (fields: Record<string, unknown>) => RemoteServerSave.parse({ name: 'gpu-box', baseUrl: 'http://gpu-box:8091/v1', model: 'Qwen3-Omni', ...fields });

describe('remote servers', () => {
  it('keep the API key encrypted in the state folder, never in settings.json and never in a view', async () => {
    const { settings, remote } = open();
    const saved = await remote.save(save({ apiKey: KEY }));
    await settings.whenSaved();
    expect(saved).toEqual({ id: 'server-1', name: 'gpu-box', baseUrl: 'http://gpu-box:8091/v1', model: 'Qwen3-Omni', hasApiKey: true });
    expect(JSON.parse(readFileSync(settingsFile(home), 'utf8')).remote).toEqual({
      servers: [{ id: 'server-1', name: 'gpu-box', baseUrl: 'http://gpu-box:8091/v1', model: 'Qwen3-Omni' }],
      defaultBackend: 'local',
    });
    expect(readFileSync(settingsFile(home), 'utf8')).not.toContain(KEY);
    expect(readdirSync(path.join(stateDir(), 'remote-keys'))).toEqual(['server-1.bin']);
    expect(readFileSync(path.join(stateDir(), 'remote-keys', 'server-1.bin')).includes(KEY)).toBe(false);
    expect(JSON.stringify(await remote.list())).not.toContain(KEY);
    expect(await remote.connection('server-1')).toEqual({ baseUrl: 'http://gpu-box:8091/v1', model: 'Qwen3-Omni', apiKey: KEY });
  });

  it('change in place: a key left out is kept, null removes it, and the order stays', async () => {
    const { remote } = open();
    await remote.save(save({ apiKey: KEY }));
    await remote.save(save({ name: 'lab' }));
    await remote.save(save({ id: 'server-1', name: 'gpu-box-2', model: 'Qwen3-Omni-Instruct' }));
    expect((await remote.list()).map((s) => [s.id, s.name, s.model, s.hasApiKey])).toEqual([
      ['server-1', 'gpu-box-2', 'Qwen3-Omni-Instruct', true],
      ['server-2', 'lab', 'Qwen3-Omni', false],
    ]);
    await remote.save(save({ id: 'server-1', name: 'gpu-box-2', apiKey: null }));
    expect(await remote.connection('server-1')).toEqual({ baseUrl: 'http://gpu-box:8091/v1', model: 'Qwen3-Omni' });
  });

  it('refuse a second server of the same name, and an id that does not exist', async () => {
    const { remote } = open();
    await remote.save(save({}));
    await expect(remote.save(save({ name: 'GPU-Box' }))).rejects.toMatchObject({ code: 'INVALID_REQUEST', message: 'remote.save: name: a server named "gpu-box" already exists' });
    await expect(remote.save(save({ id: 'gone' }))).rejects.toMatchObject({ code: 'INVALID_REQUEST', message: 'There is no remote server "gone"' });
  });

  it('leave settings unchanged when the OS cannot encrypt the key', async () => {
    const settings = SettingsStore.open(home);
    const remote = new RemoteServers(settings, new EncryptedApiKeys(stateDir(), xorCipher(false)));
    await expect(remote.save(save({ apiKey: KEY }))).rejects.toMatchObject({
      code: 'INVALID_REQUEST',
      message: 'This system offers no secure storage for the API key, so the server was not saved with it',
    });
    expect(settings.settings.remote.servers).toEqual([]);
  });

  it('once removed, take their key along, turn a default that named them back to local, and refuse their conversations plainly', async () => {
    const { settings, remote } = open();
    await remote.save(save({ apiKey: KEY }));
    await settings.update({ remote: { defaultBackend: 'server-1' } });
    expect(await remote.remove('server-1')).toBe(true);
    expect(await remote.remove('server-1')).toBe(false);
    expect(settings.settings.remote).toEqual({ servers: [], defaultBackend: 'local' });
    expect(readdirSync(path.join(stateDir(), 'remote-keys'))).toEqual([]);
    await expect(remote.connection('server-1')).rejects.toMatchObject({
      code: 'INVALID_REQUEST',
      message: 'This conversation was answered by a remote server that has been removed (id server-1).',
      hint: 'Choose "This computer" or another server above the conversation, then send again.',
    });
  });

  it('test the address typed with the key typed, or a saved server’s stored key', async () => {
    const { remote } = open(new MemoryApiKeys());
    await remote.save(save({ apiKey: KEY }));
    expect(await remote.checkTarget({ baseUrl: 'http://other:1/v1' })).toEqual({ baseUrl: 'http://other:1/v1' });
    expect(await remote.checkTarget({ baseUrl: 'http://other:1/v1', id: 'server-1' })).toEqual({ baseUrl: 'http://other:1/v1', apiKey: KEY });
    expect(await remote.checkTarget({ baseUrl: 'http://other:1/v1', id: 'server-1', apiKey: 'sk-new' })).toEqual({ baseUrl: 'http://other:1/v1', apiKey: 'sk-new' });
  });

  it('accept "local" or a configured server as a backend, nothing else', async () => {
    const { remote } = open();
    await remote.save(save({}));
    expect(() => remote.assertBackend('local')).not.toThrow();
    expect(() => remote.assertBackend('server-1')).not.toThrow();
    expect(() => remote.assertBackend('server-9')).toThrow('There is no remote server "server-9"');
  });
});

describe('the default backend in settings', () => {
  it('must be local or a configured server', async () => {
    const { settings } = open();
    await expect(settings.update({ remote: { defaultBackend: 'nowhere' } })).rejects.toMatchObject({
      code: 'INVALID_REQUEST',
      message: 'settings.set: remote.defaultBackend: there is no remote server "nowhere"',
    });
    expect(settings.settings.remote.defaultBackend).toBe('local');
  });

  it('naming no server in a hand-edited file is reset to local, with a notice', () => {
    const file = settingsFile(home);
    writeFileSync(file, JSON.stringify({ remote: { servers: [], defaultBackend: 'gone' } }));
    const settings = SettingsStore.open(home);
    expect(settings.settings.remote).toEqual({ servers: [], defaultBackend: 'local' });
    expect(settings.pendingNotice?.message).toBe('Omnidesk could not read all of settings.json: these settings could not be read and were reset to their defaults: remote.defaultBackend.');
  });
});
