import { describe, expect, it } from 'vitest';
import { encodeWav } from '../../store/wav';
import type { RemoteBackend, RemoteChatSendRequest, TurnEvent } from '../protocol';
import { RemoteAssistant } from './remoteAssistant';
import { fixture, replayServerPerTest, sendInPieces, type Respond } from './testing/replayServer';
import { suiteTempDir } from '../../../test/tempDir';

const scratchDir = suiteTempDir('remote');
const remote = replayServerPerTest({ model: 'qwen3-omni' });
const serve = remote.serve;

const replay = (name: string): Respond => (_req, res) => sendInPieces(res, fixture(name));

type Speech = Parameters<ConstructorParameters<typeof RemoteAssistant>[0]['onSpeech']>[0];

function harness() {
  const events: TurnEvent[] = [];
  const busy: boolean[] = [];
  const speech: Speech[] = [];
  const waiters: { test: () => boolean; resolve: () => void }[] = [];
  const check = () => waiters.filter((w) => w.test()).forEach((w) => w.resolve());
  const assistant = new RemoteAssistant({
    scratchDir,
    timeouts: { connectMs: 2000, idleMs: 2000 },
    emit: (event) => {
      events.push(event);
      check();
    },
    onBusy: (b) => busy.push(b),
    onSpeech: (chunk) => {
      speech.push(chunk);
      check();
    },
  });
  const until = (test: () => boolean) => new Promise<void>((resolve) => (test() ? resolve() : waiters.push({ test, resolve })));
  const finished = () => until(() => events.some((e) => e.type === 'done' || e.type === 'error'));
  const deltas = () => events.flatMap((e) => (e.type === 'text-delta' ? [e.text] : []));
  const samples = () => speech.flatMap((c) => ('seq' in c ? [...c.samples] : []));
  return { assistant, events, busy, speech, finished, until, deltas, samples };
}

const request = (remote: RemoteBackend, overrides: Partial<RemoteChatSendRequest> = {}): RemoteChatSendRequest => ({
  conversationId: 'c1',
  turnId: 't1',
  text: 'Hi',
  attachments: [],
  micAudio: false,
  speak: true,
  speaker: 'ethan',
  remote,
  ...overrides,
});

const WORDS = ['Hello', '!', ' How', ' can', ' I', ' help', ' you', ' today', '?'];
const REPLY = WORDS.join('');
/** The fixtures' speech: a 440 Hz tone, 16-bit at 24 kHz (see fixtures/vllm-omni/README.md). */
const tone = (count: number) => [...Int16Array.from({ length: count }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 24000)))].map((s) => s / 32768);

describe('RemoteAssistant replaying recorded streams', () => {
  it.each([
    ['vllm-omni/stream-text-audio-pcm16.sse', 'vLLM-Omni today: pcm16 pieces in delta.content of audio chunks'],
    ['vllm-omni/stream-text-audio-wav.sse', 'early vLLM-Omni: a WAV per piece, finish_reason on the text before the audio ends'],
    ['openai/stream-text-audio.sse', "OpenAI: text only as audio.transcript, speech in audio.data"],
  ])('%s (%s) gives the exact text deltas and speech samples', async (name) => {
    const backend = await serve(replay(name));
    const { assistant, events, busy, speech, finished, deltas, samples } = harness();
    const done = finished();
    await assistant.start(request(backend));
    await done;
    expect(events[0]).toEqual({ type: 'started', turnId: 't1' });
    expect(deltas()).toEqual(WORDS);
    expect(samples()).toEqual(tone(7200));
    expect(speech.filter((c) => 'seq' in c).map((c) => ('seq' in c ? [c.seq, c.samples.length] : []))).toEqual([[0, 2400], [1, 2400], [2, 2400]]);
    expect(speech.at(-1)).toEqual({ turnId: 't1', end: true, samples: 7200 });
    expect(events.at(-1)).toEqual({ type: 'done', turnId: 't1', text: REPLY, interrupted: false, speechSamples: 7200 });
    expect(busy).toEqual([true, false]);
    expect(assistant.activeTurn).toBeUndefined();
  });

  it("reads vLLM-Omni's non-streamed answer (text and WAV in two choices of index 0) when a server ignores stream", async () => {
    const backend = await serve((_req, res) => sendInPieces(res, fixture('vllm-omni/complete-text-audio.json'), { contentType: 'application/json' }));
    const { assistant, events, finished, deltas, samples } = harness();
    const done = finished();
    await assistant.start(request(backend));
    await done;
    expect(deltas()).toEqual([REPLY]);
    expect(samples()).toEqual(tone(7200));
    expect(events.at(-1)).toEqual({ type: 'done', turnId: 't1', text: REPLY, interrupted: false, speechSamples: 7200 });
  });

  it('ends with a text-only reply and no speech events when speech is not asked for', async () => {
    const backend = await serve(replay('vllm-omni/stream-text-only.sse'));
    const { assistant, events, speech, finished, deltas } = harness();
    const done = finished();
    await assistant.start(request(backend, { speak: false, speaker: undefined, sampling: { doSample: true, temperature: 0.7, topK: 0, topP: 0.9, maxNewTokens: 32 } }));
    await done;
    expect(deltas()).toEqual(WORDS);
    expect(speech).toEqual([]);
    expect(events.at(-1)).toEqual({ type: 'done', turnId: 't1', text: REPLY, interrupted: false, speechSamples: 0 });
    expect(remote.server.requests[0].body).toEqual({
      model: 'qwen3-omni',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
      stream: true,
      modalities: ['text'],
      temperature: 0.7,
      top_p: 0.9,
      top_k: -1,
      max_tokens: 32,
    });
  });

  it('reports an error raised in the middle of the stream after the text that came before it', async () => {
    const backend = await serve(replay('vllm-omni/stream-error.sse'));
    const { assistant, events, finished, deltas } = harness();
    const done = finished();
    await assistant.start(request(backend));
    await done;
    expect(deltas()).toEqual(['Hello']);
    expect(events.at(-1)).toEqual({
      type: 'error',
      turnId: 't1',
      error: {
        code: 'REMOTE_FAILED',
        message: `${new URL(backend.baseUrl).host} failed in the middle of its answer: EngineCore encountered an issue. See stack trace (above) for the root cause.`,
        hint: "The server's log has the details.",
      },
    });
  });
});

describe('RemoteAssistant turns', () => {
  it('sends image, push-to-talk audio and text after the system prompt and the history, as exact JSON', async () => {
    const backend = await serve(replay('vllm-omni/stream-text-audio-pcm16.sse'));
    const { assistant, until, events } = harness();
    await assistant.start(request(backend, { system: 'Be brief.', sampling: { doSample: false, repetitionPenalty: 1.05, maxNewTokens: 64 } }));
    await until(() => events.filter((e) => e.type === 'done').length === 1);
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
    const mic = Float32Array.from({ length: 800 }, (_, i) => Math.sin(i / 10) / 2);
    await assistant.start(
      request(backend, {
        turnId: 't2',
        text: 'What is this?',
        attachments: [{ kind: 'image', name: 'shot.png', mime: 'image/png', data: png }],
        micAudio: true,
        system: 'Be brief.',
        sampling: { doSample: false, repetitionPenalty: 1.05, maxNewTokens: 64 },
      }),
      { sampleRate: 16000, samples: mic },
    );
    await until(() => events.filter((e) => e.type === 'done').length === 2);
    expect(remote.server.requests[1].body).toEqual({
      model: 'qwen3-omni',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'Hi' }] },
        { role: 'assistant', content: REPLY },
        {
          role: 'user',
          content: [
            { type: 'image_url', image_url: { url: `data:image/png;base64,${Buffer.from(png).toString('base64')}` } },
            { type: 'input_audio', input_audio: { data: Buffer.from(encodeWav(mic, 16000)).toString('base64'), format: 'wav' } },
            { type: 'text', text: 'What is this?' },
          ],
        },
      ],
      stream: true,
      modalities: ['text', 'audio'],
      audio: { voice: 'ethan', format: 'pcm16' },
      speaker: 'ethan',
      temperature: 0,
      repetition_penalty: 1.05,
      max_tokens: 64,
    });
  });

  it('stops at once on interrupt: the connection closes within a few ms, the turn ends interrupted with what was delivered, and the follow-up asked at once follows it and carries it', async () => {
    const stream = fixture('vllm-omni/stream-text-audio-pcm16.sse');
    const firstAudioEnd = stream.indexOf('\n\n', stream.indexOf('"modality":"audio"')) + 2;
    const backend = await serve((req, res) =>
      req.body && (req.body as { messages: unknown[] }).messages.length > 1
        ? sendInPieces(res, fixture('vllm-omni/stream-text-only.sse'))
        : sendInPieces(res, stream.subarray(0, firstAudioEnd), { keepOpen: true }),
    );
    const { assistant, events, speech, finished, until } = harness();
    const done = finished();
    await assistant.start(request(backend));
    await until(() => speech.length === 1);
    const interruptedAt = performance.now();
    expect(assistant.interrupt('t1')).toBe(true);
    const next = assistant.start(request(backend, { turnId: 't2', text: 'Go on' }));
    const closedAt = await remote.server.requests[0].closed;
    expect(closedAt - interruptedAt).toBeLessThan(50);
    await done;
    expect(events.at(-1)).toEqual({ type: 'done', turnId: 't1', text: 'Hello! How', interrupted: true, speechSamples: 2400 });
    expect(speech.at(-1)).toEqual({ turnId: 't1', end: true, samples: 2400 });
    expect(assistant.interrupt('t1')).toBe(false);

    await next;
    await until(() => events.filter((e) => e.type === 'done').length === 2);
    expect((remote.server.requests[1].body as { messages: unknown[] }).messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Hi' }] },
      { role: 'assistant', content: 'Hello! How' },
      { role: 'user', content: [{ type: 'text', text: 'Go on' }] },
    ]);
  });

  it('still starts and ends interrupted when stopped before the server answered', async () => {
    const backend = await serve(() => undefined);
    const { assistant, events, finished } = harness();
    const done = finished();
    const starting = assistant.start(request(backend));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(assistant.interrupt('t1')).toBe(true);
    await starting;
    await done;
    expect(events).toEqual([
      { type: 'started', turnId: 't1' },
      { type: 'done', turnId: 't1', text: '', interrupted: true, speechSamples: 0 },
    ]);
  });

  it('rejects the turn with the reason when the server refuses it, and is free for the next one', async () => {
    const backend = await serve((_req, res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'Invalid API key' } }));
    });
    const { assistant, events } = harness();
    await expect(assistant.start(request(backend))).rejects.toMatchObject({ code: 'REMOTE_AUTH', message: `${new URL(backend.baseUrl).host} rejected the API key (401): Invalid API key` });
    expect(events).toEqual([]);
    expect(assistant.activeTurn).toBeUndefined();
  });

  it('refuses a second turn while one runs, and an empty turn, naming the turn', async () => {
    const backend = await serve((_req, res) => sendInPieces(res, Buffer.from(''), { keepOpen: true }));
    const { assistant, finished } = harness();
    await expect(assistant.start(request(backend, { text: ' ' }))).rejects.toMatchObject({ code: 'INVALID_REQUEST', message: 'Turn t1 is empty: no text, attachment or speech.' });
    const done = finished();
    await assistant.start(request(backend));
    await expect(assistant.start(request(backend, { turnId: 't2' }))).rejects.toMatchObject({ code: 'INVALID_REQUEST', message: 'Turn t2 refused: turn t1 is still running.' });
    assistant.interrupt('t1');
    await done;
  });
});
