import { afterEach, describe, expect, it } from 'vitest';
import type { StreamDown, StreamUp } from '../../../main/ipc/contract';
import { PROBE_SAMPLES, probeEngineStream } from './probe';

/** The engine's end of a stream port, answering like the real one or as a test scripts it. */
function fakeEngine(answer: (message: StreamUp) => StreamDown | undefined) {
  const { port1: engine, port2: page } = new MessageChannel();
  const received: StreamUp[] = [];
  engine.addEventListener('message', (event) => {
    const message = (event as MessageEvent<StreamUp>).data;
    received.push(message);
    const reply = answer(message);
    if (reply) engine.postMessage(reply);
  });
  engine.start();
  open.push(engine, page);
  return { page, received };
}
const open: MessagePort[] = [];
afterEach(() => open.splice(0).forEach((port) => port.close()));

const countsSamples = (message: StreamUp): StreamDown | undefined =>
  message.type === 'mic.end' ? { type: 'mic.received', turnId: message.turnId, samples: PROBE_SAMPLES } : undefined;

describe('probeEngineStream', () => {
  it('sends 100 ms of 16 kHz silence as one utterance and reports the samples the engine counted', async () => {
    const { page, received } = fakeEngine(countsSamples);
    const result = await probeEngineStream(page);
    expect(result.samples).toBe(1600);
    expect(result.roundTripMs).toBeGreaterThanOrEqual(0);
    const [chunk, end] = received;
    expect(chunk).toMatchObject({ type: 'mic.chunk', seq: 0, sampleRate: 16000, format: 'f32' });
    expect((chunk as { pcm: ArrayBuffer }).pcm.byteLength).toBe(1600 * 4);
    expect(end).toEqual({ type: 'mic.end', turnId: chunk.turnId, seq: 1 });
  });

  it('then cancels the utterance so the engine does not keep it', async () => {
    const { page, received } = fakeEngine(countsSamples);
    await probeEngineStream(page);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(received.at(-1)).toEqual({ type: 'mic.cancel', turnId: received[0].turnId });
  });

  it('ignores acknowledgements of other turns', async () => {
    const { page } = fakeEngine((m) => (m.type === 'mic.end' ? { type: 'mic.received', turnId: 'someone-else', samples: 1 } : undefined));
    await expect(probeEngineStream(page, { timeoutMs: 50 })).rejects.toMatchObject({ code: 'ENGINE_TIMEOUT' });
  });

  it('fails with the engine’s stream error', async () => {
    const error = { code: 'INVALID_REQUEST' as const, message: 'stream: pcm: must be at most 1048576 bytes' };
    const { page } = fakeEngine(() => ({ type: 'stream.error', error }));
    await expect(probeEngineStream(page)).rejects.toEqual(error);
  });

  it('fails with a timeout when the engine never answers', async () => {
    const { page } = fakeEngine(() => undefined);
    await expect(probeEngineStream(page, { timeoutMs: 30 })).rejects.toEqual({
      code: 'ENGINE_TIMEOUT',
      message: 'The engine did not acknowledge the test audio within 30 ms.',
    });
  });
});
