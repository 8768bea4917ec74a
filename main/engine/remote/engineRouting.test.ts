import { afterEach, describe, expect, it } from 'vitest';
import os from 'node:os';
import path from 'node:path';
import { Engine } from '../engine';
import type { StreamEndpoint } from '../parent';
import type { EngineToHost, StreamDown } from '../protocol';
import { fixture, sendInPieces, startReplayServer, type ReplayServer, type Respond } from './testing/replayServer';
import { testTempDir } from '../../../test/tempDir';

let server: ReplayServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function engineHarness() {
  const emitted: EngineToHost[] = [];
  const dir = testTempDir('engine-remote');
  let onTurnEnd = () => {};
  const engine = new Engine({
    stateDir: dir,
    scratchDir: dir,
    emit: (message) => {
      emitted.push(message);
      if (message.kind === 'turn' && (message.event.type === 'done' || message.event.type === 'error')) onTurnEnd();
    },
  });
  const sent: StreamDown[] = [];
  let deliver: (message: unknown) => void = () => {};
  const endpoint: StreamEndpoint = { post: (m) => sent.push(m as StreamDown), onMessage: (l) => (deliver = l), onClose: () => {}, close: () => {} };
  engine.attachStream(endpoint);
  const turnEnd = () => new Promise<void>((resolve) => (onTurnEnd = resolve));
  const response = (id: number) => emitted.find((m): m is Extract<EngineToHost, { kind: 'response' }> => m.kind === 'response' && m.id === id);
  return { engine, emitted, sent, send: (m: unknown) => deliver(m), turnEnd, response };
}

async function serve(respond: Respond) {
  server = await startReplayServer(respond);
  return { baseUrl: server.baseUrl, model: 'qwen3-omni' };
}

const turn = (extra: Record<string, unknown>) => ({ conversationId: 'c', turnId: 't1', text: 'Hi', attachments: [], micAudio: false, speak: true, ...extra });

describe('Engine with a remote server', () => {
  it('routes chat.send with remote to the server: turn events to the host, 24 kHz speech on the stream ports', async () => {
    const remote = await serve((_req, res) => sendInPieces(res, fixture('vllm-omni/stream-text-audio-pcm16.sse')));
    const { engine, emitted, sent, turnEnd, response } = engineHarness();
    const ended = turnEnd();
    await engine.request(1, 'chat.send', turn({ remote }));
    expect(response(1)).toEqual({ kind: 'response', id: 1, ok: true, result: { turnId: 't1' } });
    await ended;
    const turnEvents = emitted.flatMap((m) => (m.kind === 'turn' ? [m.event] : []));
    expect(turnEvents[0]).toEqual({ type: 'started', turnId: 't1' });
    expect(turnEvents.at(-1)).toEqual({ type: 'done', turnId: 't1', text: 'Hello! How can I help you today?', interrupted: false, speechSamples: 7200 });
    expect(emitted.filter((m) => m.kind === 'busy')).toEqual([{ kind: 'busy', busy: true }, { kind: 'busy', busy: false }]);
    expect(sent.map((m) => (m.type === 'speech.chunk' ? [m.type, m.seq, m.sampleRate, m.pcm.byteLength] : [m.type]))).toEqual([
      ['speech.chunk', 0, 24000, 9600],
      ['speech.chunk', 1, 24000, 9600],
      ['speech.chunk', 2, 24000, 9600],
      ['speech.end'],
    ]);
  });

  it('sends the push-to-talk audio that streamed in on the port', async () => {
    const remote = await serve((_req, res) => sendInPieces(res, fixture('vllm-omni/stream-text-only.sse')));
    const { engine, send, turnEnd, response } = engineHarness();
    send({ type: 'mic.chunk', turnId: 't1', seq: 0, sampleRate: 16000, format: 's16', pcm: new Int16Array(800).fill(1000).buffer });
    send({ type: 'mic.end', turnId: 't1', seq: 1 });
    const ended = turnEnd();
    await engine.request(1, 'chat.send', turn({ remote, micAudio: true, speak: false, text: '' }));
    expect(response(1)?.ok).toBe(true);
    await ended;
    const [part] = (server!.requests[0].body as { messages: { content: { type: string; input_audio: { format: string; data: string } }[] }[] }).messages[0].content;
    expect(part.type).toBe('input_audio');
    expect(part.input_audio.format).toBe('wav');
    expect(Buffer.from(part.input_audio.data, 'base64').length).toBe(44 + 800 * 2);
  });

  it('refuses a turn naming both a bundle and a server, or neither', async () => {
    const { engine, response } = engineHarness();
    await engine.request(1, 'chat.send', turn({ bundleDir: '/models/x', remote: { baseUrl: 'http://gpu-box:8091/v1', model: 'm' } }));
    await engine.request(2, 'chat.send', turn({}));
    expect(response(1)?.error).toEqual({
      code: 'INVALID_REQUEST',
      message: 'chat.send: (payload): both bundleDir and remote are given: a turn is answered by an installed bundle or by a server, not both',
    });
    expect(response(2)?.error?.message).toBe('chat.send: (payload): neither bundleDir nor remote is given: say which model answers (an installed bundle or a server)');
  });

  it('refuses a bad server address, naming the field', async () => {
    const { engine, response } = engineHarness();
    await engine.request(1, 'chat.send', turn({ remote: { baseUrl: 'http://user:pw@gpu-box:8091/v1', model: 'm' } }));
    expect(response(1)?.error).toEqual({ code: 'INVALID_REQUEST', message: 'chat.send: remote.baseUrl: must not contain a user name or password: put the key in apiKey' });
  });

  it('answers one turn at a time across local and remote, and interrupts the remote one', async () => {
    const remote = await serve((_req, res) => sendInPieces(res, Buffer.from(''), { keepOpen: true }));
    const { engine, emitted, turnEnd, response } = engineHarness();
    const ended = turnEnd();
    await engine.request(1, 'chat.send', turn({ remote }));
    await engine.request(2, 'chat.send', turn({ turnId: 't2', bundleDir: path.join(os.tmpdir(), 'omnidesk-no-such-bundle') }));
    expect(response(2)?.error).toEqual({ code: 'INVALID_REQUEST', message: 'Turn t2 refused: turn t1 is still running.', hint: 'Stop the current reply first.' });
    await engine.request(3, 'chat.interrupt', { turnId: 't1' });
    expect(response(3)?.result).toEqual({ interrupted: true });
    await ended;
    expect(emitted.at(-1)).toEqual({ kind: 'turn', event: { type: 'done', turnId: 't1', text: '', interrupted: true, speechSamples: 0 } });
  });
});
