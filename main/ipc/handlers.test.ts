import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EngineSupervisor } from '../engine/host/supervisor';
import { OmniError } from '../engine/errors';
import { dispatch } from './dispatch';
import { createHandlers } from './handlers';
import { openServices, type Services } from './services';
import { MemoryApiKeys } from '../store/apiKeys';

let home: string;
let services: Services;
const engine = { request: vi.fn(), onTurn: vi.fn(() => () => undefined), onState: vi.fn(() => () => undefined), state: { state: 'ready', restarts: 0 } };

function handlers(exportFolder: () => Promise<string | undefined> = async () => path.join(home, 'exports')) {
  return createHandlers({
    engine: engine as unknown as EngineSupervisor,
    services,
    shell: 'preview',
    app: { name: 'Omnidesk', version: '0.1.0' },
    openStream: vi.fn(),
    exportFolder,
  });
}
const send = { conversationId: 'c1', turnId: 't1', text: 'Hello there', attachments: [], micAudio: false, speak: true };

/** An installed bundle as the model manager leaves one: manifest (written last) and the checkpoint's config. */
function installBundle(variant: string, builtAt = new Date(2026, 0, 1)) {
  const dir = path.join(home, 'models', 'Qwen', 'Tiny', 'a'.repeat(40), 'bundles', variant);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ talker_config: { speaker_id: { chelsie: 1, ethan: 2 } } }));
  writeFileSync(path.join(dir, 'manifest.json'), '{}');
  utimesSync(path.join(dir, 'manifest.json'), builtAt, builtAt);
  return dir;
}

beforeEach(() => {
  home = mkdtempSync(path.join(os.tmpdir(), 'omnidesk-handlers-'));
  writeFileSync(path.join(home, 'settings.json'), '[not json');
  services = openServices({ home, engine: engine as unknown as EngineSupervisor, launchBuild: vi.fn(), token: async () => undefined, apiKeys: new MemoryApiKeys(), env: {} });
  engine.request.mockReset();
});
afterEach(async () => {
  await services.close();
  rmSync(home, { recursive: true, force: true });
});

describe('data handlers', () => {
  it('stores the user’s message before the engine is asked, and the engine’s refusal with the reply', async () => {
    installBundle('int4');
    engine.request.mockImplementationOnce(async () => {
      expect(services.conversations.get('c1').messages.map((m) => [m.role, m.text, m.status])).toEqual([
        ['user', 'Hello there', 'complete'],
        ['assistant', '', 'streaming'],
      ]);
      throw new OmniError('BUNDLE_CORRUPT', 'thinker.onnx is damaged');
    });
    const result = await dispatch(handlers(), 'chat.send', send);
    expect(result).toEqual({ ok: false, error: { code: 'BUNDLE_CORRUPT', message: 'thinker.onnx is damaged' } });
    expect(services.conversations.get('c1').messages[1]).toMatchObject({ status: 'error', error: { code: 'BUNDLE_CORRUPT' } });
  });

  it('asks the engine with the bundle built last and the sampling settings', async () => {
    const newest = installBundle('fp32', new Date(2026, 0, 2));
    installBundle('int4', new Date(2026, 0, 1));
    engine.request.mockResolvedValueOnce({ turnId: 't1' });
    await dispatch(handlers(), 'settings.set', { sampling: { temperature: 0.7, topK: 0 } });
    await dispatch(handlers(), 'chat.send', send);
    expect(engine.request).toHaveBeenCalledWith('chat.send', {
      ...send,
      speaker: 'Ethan',
      bundleDir: newest,
      sampling: { doSample: true, temperature: 0.7, topP: 0.95, repetitionPenalty: 1, maxNewTokens: 1024 },
    });
  });

  it('without an installed model, keeps the question and answers it with the next step, not asking the engine', async () => {
    const result = await dispatch(handlers(), 'chat.send', send);
    expect(result).toEqual({
      ok: false,
      error: { code: 'MODEL_NOT_INSTALLED', message: 'No Qwen3-Omni model is installed yet.', hint: 'Download one in Models, or build one from a checkpoint with "omnidesk build".' },
    });
    expect(engine.request).not.toHaveBeenCalled();
    expect(services.conversations.get('c1').messages.map((m) => [m.role, m.status])).toEqual([
      ['user', 'complete'],
      ['assistant', 'error'],
    ]);
  });

  it('records how much of the reply the user heard when they interrupt', async () => {
    installBundle('int4');
    engine.request.mockResolvedValueOnce({ turnId: 't1' }).mockResolvedValueOnce({ interrupted: true });
    await dispatch(handlers(), 'chat.send', send);
    await dispatch(handlers(), 'chat.interrupt', { turnId: 't1', heardSamples: 4800 });
    expect(engine.request).toHaveBeenLastCalledWith('chat.interrupt', { turnId: 't1', heardSamples: 4800 });
    expect(services.conversations.get('c1').messages[1].heardSamples).toBe(4800);
  });

  it('saves a recording sent as Float32 bytes and reads it back as a WAV', async () => {
    installBundle('int4');
    engine.request.mockResolvedValueOnce({ turnId: 't1' });
    await dispatch(handlers(), 'chat.send', send);
    const pcm = new Uint8Array(new Float32Array([0, 0.5, -0.5]).buffer);
    const saved = await dispatch(handlers(), 'conversations.saveAudio', { turnId: 't1', role: 'user', sampleRate: 16000, pcm });
    expect(saved).toEqual({ ok: true, value: { file: 'c1/t1/microphone.wav', sampleRate: 16000, samples: 3 } });
    const media = await dispatch(handlers(), 'conversations.media', { file: 'c1/t1/microphone.wav' });
    expect(media).toMatchObject({ ok: true, value: { mime: 'audio/wav' } });
    expect(media.ok && (media.value as { data: Uint8Array }).data.byteLength).toBe(44 + 6);
    const odd = await dispatch(handlers(), 'conversations.saveAudio', { turnId: 't1', role: 'user', sampleRate: 16000, pcm: new Uint8Array(3) });
    expect(odd).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
  });

  it('exports into the folder the shell picks, and says so when the user picked none', async () => {
    await dispatch(handlers(), 'chat.send', send);
    const exported = await dispatch(handlers(), 'conversations.export', { id: 'c1', formats: ['markdown'] });
    expect(exported).toMatchObject({ ok: true, value: { folder: expect.stringContaining(path.join(home, 'exports', 'hello-there-')), files: ['conversation.md'] } });
    const cancelled = await dispatch(handlers(async () => undefined), 'conversations.export', { id: 'c1', formats: ['json'] });
    expect(cancelled).toEqual({ ok: false, error: { code: 'CANCELLED', message: 'Export cancelled: no folder was chosen.' } });
  });

  it('gives settings with the installed voices and the notice about an unreadable file', async () => {
    installBundle('int4');
    const result = await dispatch(handlers(), 'settings.get', {});
    expect(result).toMatchObject({
      ok: true,
      value: { speakers: ['Chelsie', 'Ethan'], notice: { keptAs: expect.stringMatching(/settings\.unreadable-\d+\.json$/) }, settings: { theme: 'system' } },
    });
    expect(await dispatch(handlers(), 'settings.set', { sampling: { topK: 2000 } })).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
  });
});

describe('engine sampling', () => {
  it('turns temperature 0 into greedy decoding and top-k 0 into no limit', async () => {
    const { engineSampling } = await import('./engineTurn');
    const base = { temperature: 0, topP: 0.9, topK: 0, repetitionPenalty: 1.05, maxTokens: 512 };
    expect(engineSampling(base)).toEqual({ doSample: false, repetitionPenalty: 1.05, maxNewTokens: 512 });
    expect(engineSampling({ ...base, temperature: 0.6, topK: 20 })).toEqual({ doSample: true, temperature: 0.6, topP: 0.9, topK: 20, repetitionPenalty: 1.05, maxNewTokens: 512 });
  });
});
