import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EngineSupervisor } from '../engine/host/supervisor';
import { MemoryApiKeys } from '../store/apiKeys';
import { dispatch } from './dispatch';
import { createHandlers } from './handlers';
import { openServices, type Services } from './services';

const KEY = 'sk-omnidesk-7f3a9c';
let home: string;
let services: Services;
let server: Server;
let baseUrl: string;
const engine = { request: vi.fn(), onTurn: vi.fn(() => () => undefined), onState: vi.fn(() => () => undefined), state: { state: 'ready', restarts: 0 } };
const call = (channel: string, payload: unknown) =>
  dispatch(
    createHandlers({ engine: engine as unknown as EngineSupervisor, services, shell: 'preview', app: { name: 'Omnidesk', version: '0.1.0' }, openStream: vi.fn(), exportFolder: async () => home }),
    channel,
    payload,
  );
const value = async <T>(promise: Promise<{ ok: boolean; value?: unknown; error?: unknown }>) => {
  const result = await promise;
  if (!result.ok) throw new Error(`refused: ${JSON.stringify(result.error)}`);
  return result.value as T;
};
const send = (conversationId: string, turnId: string) => ({ conversationId, turnId, text: 'What is on my screen?', attachments: [], micAudio: false, speak: true });

/** An OpenAI-compatible model list behind a bearer token, as `omnidesk serve` and vLLM answer `GET /v1/models`. */
function modelServer(): Promise<string> {
  server = createServer((req, res) => {
    if (req.headers.authorization !== `Bearer ${KEY}`) {
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'Invalid API key', type: 'invalid_request_error' } }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: [{ id: 'Qwen3-Omni-30B-A3B-Instruct', object: 'model' }, { id: 'tiny', object: 'model' }] }));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`)));
}

beforeEach(async () => {
  home = mkdtempSync(path.join(os.tmpdir(), 'omnidesk-remote-ipc-'));
  services = openServices({ home, engine: engine as unknown as EngineSupervisor, launchBuild: vi.fn(), token: async () => undefined, apiKeys: new MemoryApiKeys(), env: {} });
  engine.request.mockReset();
  baseUrl = await modelServer();
});
afterEach(async () => {
  await services.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(home, { recursive: true, force: true });
});

describe('remote server channels', () => {
  it('refuse a bad server with a message naming each field at fault', async () => {
    const result = await call('remote.save', { name: ' ', baseUrl: 'ftp://gpu-box/v1', model: 'm', apiKey: 'sk-one\nX-Injected: 1' });
    expect(result).toEqual({
      ok: false,
      error: {
        code: 'INVALID_REQUEST',
        message:
          'remote.save: name: must not be empty; remote.save: baseUrl: must be an http:// or https:// URL (got ftp:); remote.save: apiKey: must be printable ASCII without spaces, as the server issued it',
      },
    });
  });

  it('store a server with its key and show the renderer only that a key exists, with the address as typed less its trailing slash', async () => {
    const saved = await value(call('remote.save', { name: 'gpu-box', baseUrl: `${baseUrl}/`, model: 'tiny', apiKey: KEY }));
    expect(saved).toEqual({ id: expect.any(String), name: 'gpu-box', baseUrl, model: 'tiny', hasApiKey: true });
    const listed = await call('remote.list', {});
    expect(listed).toEqual({ ok: true, value: { servers: [saved] } });
    expect(JSON.stringify(listed)).not.toContain(KEY);
  });

  it('test a connection: the models the server lists, or why there are none', async () => {
    expect(await call('remote.check', { baseUrl, apiKey: KEY })).toEqual({ ok: true, value: { models: ['Qwen3-Omni-30B-A3B-Instruct', 'tiny'] } });
    const { id } = await value<{ id: string }>(call('remote.save', { name: 'gpu-box', baseUrl, model: 'tiny', apiKey: KEY }));
    expect(await call('remote.check', { baseUrl, id })).toEqual({ ok: true, value: { models: ['Qwen3-Omni-30B-A3B-Instruct', 'tiny'] } });
    expect(await call('remote.check', { baseUrl })).toMatchObject({ ok: false, error: { code: 'REMOTE_AUTH', message: expect.stringContaining('rejected the API key (401)') } });
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    expect(await call('remote.check', { baseUrl, apiKey: KEY })).toMatchObject({ ok: false, error: { code: 'REMOTE_UNREACHABLE' } });
  });

  it('send a turn of a conversation switched to a server there, with its key and model, even with no model installed', async () => {
    const { id } = await value<{ id: string }>(call('remote.save', { name: 'gpu-box', baseUrl, model: 'tiny', apiKey: KEY }));
    expect(await call('conversations.setBackend', { id: 'c1', backend: id })).toEqual({ ok: true, value: { id: 'c1', backend: id } });
    engine.request.mockResolvedValueOnce({ turnId: 't1' });
    expect(await call('chat.send', send('c1', 't1'))).toEqual({ ok: true, value: { turnId: 't1' } });
    expect(engine.request).toHaveBeenCalledWith('chat.send', {
      ...send('c1', 't1'),
      speaker: 'Ethan',
      remote: { baseUrl, model: 'tiny', apiKey: KEY },
      sampling: { doSample: true, temperature: 0.6, topP: 0.95, topK: 20, repetitionPenalty: 1, maxNewTokens: 1024 },
    });
    expect(services.conversations.get('c1').backend).toBe(id);
  });

  it('answer new conversations by the default backend, and keep local the ones that never chose', async () => {
    const { id } = await value<{ id: string }>(call('remote.save', { name: 'gpu-box', baseUrl, model: 'tiny' }));
    engine.request.mockResolvedValue({ turnId: 'x' });
    expect(await call('chat.send', send('before', 't1'))).toMatchObject({ ok: false, error: { code: 'MODEL_NOT_INSTALLED' } });
    await value(call('settings.set', { remote: { defaultBackend: id } }));
    await value(call('chat.send', send('after', 't2')));
    expect(engine.request).toHaveBeenLastCalledWith('chat.send', expect.objectContaining({ remote: { baseUrl, model: 'tiny' } }));
    expect([services.conversations.get('before').backend, services.conversations.get('after').backend]).toEqual(['local', id]);
  });

  it('refuse a switch to a server that does not exist, and a turn of a conversation whose server was removed', async () => {
    expect(await call('conversations.setBackend', { id: 'c1', backend: 'nowhere' })).toEqual({
      ok: false,
      error: { code: 'INVALID_REQUEST', message: 'There is no remote server "nowhere"', hint: 'It may have been removed in another window; reopen Settings.' },
    });
    const { id } = await value<{ id: string }>(call('remote.save', { name: 'gpu-box', baseUrl, model: 'tiny', apiKey: KEY }));
    await value(call('conversations.setBackend', { id: 'c1', backend: id }));
    expect(await call('remote.remove', { id })).toEqual({ ok: true, value: { removed: true } });
    const refused = await call('chat.send', send('c1', 't1'));
    expect(refused).toEqual({
      ok: false,
      error: {
        code: 'INVALID_REQUEST',
        message: `This conversation was answered by a remote server that has been removed (id ${id}).`,
        hint: 'Choose "This computer" or another server above the conversation, then send again.',
      },
    });
    expect(engine.request).not.toHaveBeenCalled();
    expect(services.conversations.get('c1').messages[1]).toMatchObject({ status: 'error', error: { code: 'INVALID_REQUEST' } });
  });
});
