import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { dispatch, type Handlers } from './dispatch';
import { invokeChannels, LIMITS, type InvokeChannel } from './contract';

const validSend = {
  conversationId: 'conv-1',
  turnId: 'turn-1',
  text: 'What is on my screen?',
  attachments: [],
  micAudio: false,
  speak: true,
};

function recordingHandlers() {
  const calls: Array<[InvokeChannel, unknown]> = [];
  const record =
    <T>(channel: InvokeChannel, value: T) =>
    async (request: unknown) => {
      calls.push([channel, request]);
      return value;
    };
  const engineInfo = {
    pid: 1, node: '20', platform: 'linux', arch: 'x64', cpus: 2, totalMemoryBytes: 1,
    onnxruntime: { version: '1.30.0' }, executionProviders: [],
  };
  // Only the channels these tests call; dispatch looks a handler up by channel name.
  const handlers: Partial<Handlers> = {
    'system.info': record('system.info', { app: { name: 'Omnidesk', version: '0.1.0' }, shell: 'preview', engine: engineInfo }),
    'engine.status': record('engine.status', { state: 'ready', restarts: 0 }),
    'engine.openStream': async (request) => (calls.push(['engine.openStream', request]), { nonce: request.nonce }),
    'models.list': record('models.list', { models: [] }),
    'chat.send': async (request) => (calls.push(['chat.send', request]), { turnId: request.turnId }),
    'chat.interrupt': record('chat.interrupt', { interrupted: true }),
  };
  return { handlers: handlers as Handlers, calls };
}

describe('dispatch', () => {
  it('passes a valid request to its handler and returns the validated response', async () => {
    const { handlers, calls } = recordingHandlers();
    await expect(dispatch(handlers, 'chat.send', validSend)).resolves.toEqual({ ok: true, value: { turnId: 'turn-1' } });
    expect(calls).toEqual([['chat.send', validSend]]);
  });

  it('rejects an unknown channel without calling any handler', async () => {
    const { handlers, calls } = recordingHandlers();
    const result = await dispatch(handlers, 'fs.readFile', { path: '/etc/passwd' });
    expect(result).toEqual({ ok: false, error: { code: 'UNKNOWN_CHANNEL', message: 'Unknown IPC channel "fs.readFile"' } });
    expect(calls).toEqual([]);
  });

  it('does not treat inherited object keys as channels', async () => {
    const { handlers } = recordingHandlers();
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      const result = await dispatch(handlers, name, {});
      expect(result.ok ? 'ok' : result.error.code).toBe('UNKNOWN_CHANNEL');
    }
  });

  it('names the field and the problem for a wrong type', async () => {
    const { handlers, calls } = recordingHandlers();
    const result = await dispatch(handlers, 'chat.send', { ...validSend, text: 42 });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('INVALID_REQUEST');
    expect(result.error.message).toMatch(/^chat\.send: text: .*expected string/i);
    expect(calls).toEqual([]);
  });

  it('rejects an oversized string with its limit', async () => {
    const { handlers } = recordingHandlers();
    const result = await dispatch(handlers, 'chat.send', { ...validSend, text: 'x'.repeat(LIMITS.textChars + 1) });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toMatch(new RegExp(`text: .*${LIMITS.textChars}`));
  });

  it('rejects unknown extra fields rather than silently dropping them', async () => {
    const { handlers } = recordingHandlers();
    const result = await dispatch(handlers, 'chat.interrupt', { turnId: 'turn-1', force: true });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toMatch(/chat\.interrupt: .*force/);
  });

  it('rejects ids that could smuggle paths or markup', async () => {
    const { handlers } = recordingHandlers();
    for (const turnId of ['../../etc', '', 'a'.repeat(65), '<script>', 'turn 1']) {
      const result = await dispatch(handlers, 'chat.interrupt', { turnId });
      expect(result.ok, turnId).toBe(false);
    }
  });

  it('turns a throwing handler into an error result', async () => {
    const { handlers } = recordingHandlers();
    handlers['models.list'] = async () => {
      throw new Error('disk on fire');
    };
    await expect(dispatch(handlers, 'models.list', {})).resolves.toEqual({
      ok: false,
      error: { code: 'INTERNAL', message: 'disk on fire' },
    });
  });

  it('refuses a handler response that breaks the contract', async () => {
    const { handlers } = recordingHandlers();
    handlers['engine.status'] = async () => ({ state: 'exploded', restarts: 0 }) as never;
    const result = await dispatch(handlers, 'engine.status', {});
    expect(result.ok ? 'ok' : result.error.code).toBe('INTERNAL');
  });

  it('answers 10,000 random payloads on every channel with a result and never a throw', async () => {
    const { handlers, calls } = recordingHandlers();
    const channels = [...Object.keys(invokeChannels), 'engine.crash', '', 'chat.send '];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...channels), fc.anything({ withTypedArray: true, withMap: true }), async (channel, payload) => {
        const result = await dispatch(handlers, channel, payload);
        expect(typeof result.ok).toBe('boolean');
        if (!result.ok) expect(result.error.message.length).toBeGreaterThan(0);
      }),
      { numRuns: 10_000 },
    );
    // Random data essentially never satisfies a strict schema, so almost nothing reached a handler.
    const reached = calls.filter(([channel]) => channel !== 'system.info' && channel !== 'engine.status' && channel !== 'models.list');
    expect(reached.length).toBe(0);
  });
});
