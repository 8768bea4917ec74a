import { readFileSync } from 'node:fs';
import type OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeWavSamples, parseWavHeader } from '../engine/processor/audio/wav';
import { Qwen3OmniProcessor } from '../engine/processor/processor';
import { loadGoldenCase, mediaPath } from '../engine/testing/fixtures';
import { assertClose } from '../engine/testing/parity';
import { startTestServer, type TestServer } from './testServer';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

type Params = OpenAI.ChatCompletionCreateParamsNonStreaming;
type StreamParams = OpenAI.ChatCompletionCreateParamsStreaming;
/** What a streamed delta carries for speech (OpenAI's types leave it out). */
type AudioDelta = { id?: string; data?: string; transcript?: string; expires_at?: number };

const golden = loadGoldenCase('text');
const question = (golden.info.messages[0].content[0] as { text: string }).text;
/** The oracle's settings: greedy thinker and talker, 8 tokens, 12 codec frames (talker_max_new_tokens − 1). */
const GREEDY = { temperature: 0, max_tokens: 8 };
const FRAMES = golden.info.generation.talker_max_new_tokens - 1;
const SPOKEN = { ...GREEDY, modalities: ['text', 'audio'] as ('text' | 'audio')[], max_audio_frames: FRAMES };
/** 1920 samples per frame, less the vocoder's trailing context (speechTurn.ts). */
const SPOKEN_SAMPLES = 1920 * FRAMES - 555;

/** OpenAI's parameters with this server's extensions: vLLM's content parts and `max_audio_frames`. */
type Extended<P> = Omit<P, 'model' | 'messages' | 'stream'> & { messages: unknown[]; max_audio_frames?: number };

const ask = (text = question) => [{ role: 'user', content: text }];
const create = (params: Extended<Params>) => t.client.chat.completions.create({ model: t.server.model, ...params } as Params);
const stream = (params: Extended<StreamParams>) => t.client.chat.completions.create({ model: t.server.model, stream: true, ...params } as StreamParams);

const dataUrl = (file: string, mime: string) => `data:${mime};base64,${readFileSync(mediaPath(file)).toString('base64')}`;

function wavSamples(base64: string): { header: ReturnType<typeof parseWavHeader>; samples: Float32Array } {
  const bytes = new Uint8Array(Buffer.from(base64, 'base64'));
  const header = parseWavHeader(bytes, 'reply.wav')!;
  return { header, samples: decodeWavSamples(bytes, header).channels[0] };
}

describe('omnidesk serve through the official OpenAI client', () => {
  it('lists the bundle as the one model', async () => {
    const models = await t.client.models.list();
    expect(models.data).toEqual([{ id: 'bundle', object: 'model', created: expect.any(Number), owned_by: 'omnidesk' }]);
    expect(t.server.model).toBe('bundle');
  });

  it("answers a text question with transformers' greedy reply, cut at max_tokens", async () => {
    const reply = await create({ messages: ask(), ...GREEDY });
    expect(reply.object).toBe('chat.completion');
    expect(reply.model).toBe('bundle');
    expect(reply.choices).toEqual([
      { index: 0, message: { role: 'assistant', content: golden.info.generated_text, refusal: null }, logprobs: null, finish_reason: 'length' },
    ]);
    expect(reply.usage).toMatchObject({ prompt_tokens: golden.info.sequence_length, completion_tokens: 8, total_tokens: golden.info.sequence_length + 8 });
  });

  it('streams the same reply: the role first, text deltas, finish_reason, then usage when asked', async () => {
    const chunks = [];
    for await (const chunk of await stream({ messages: ask(), ...GREEDY, stream_options: { include_usage: true } })) chunks.push(chunk);
    expect(chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: '' });
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe(golden.info.generated_text);
    expect(chunks.at(-2)!.choices[0]).toMatchObject({ delta: {}, finish_reason: 'length' });
    expect(chunks.at(-1)).toMatchObject({ object: 'chat.completion.chunk', choices: [], usage: { prompt_tokens: golden.info.sequence_length, completion_tokens: 8 } });
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
  });

  it("speaks the reply as a 24 kHz mono WAV: transformers' waveform, its transcript the text", async () => {
    const reply = await create({ messages: ask(), ...SPOKEN, audio: { voice: 'Ethan', format: 'wav' } });
    const { message } = reply.choices[0];
    expect(message.content).toBe(golden.info.generated_text);
    expect(message.audio).toMatchObject({ id: expect.stringMatching(/^audio_/), transcript: golden.info.generated_text });
    expect(message.audio!.expires_at).toBeGreaterThan(Date.now() / 1000);
    const { header, samples } = wavSamples(message.audio!.data);
    expect(header).toMatchObject({ sampleRate: 24000, channels: 1, encoding: 'int', bytesPerSample: 2 });
    expect(samples.length).toBe(SPOKEN_SAMPLES);
    // 16-bit PCM: within one quantisation step of the oracle's float waveform.
    assertClose('reply audio', golden.array('waveform', 'float32').data, samples, { atol: 1e-4, minCorrelation: 0.999 });
    expect(reply.usage).toMatchObject({ completion_tokens: 8 + FRAMES, completion_tokens_details: { audio_tokens: FRAMES } });
  });

  it('streams speech as pcm16 deltas that add up to the WAV, byte for byte, with the text as transcript too', async () => {
    const whole = await create({ messages: ask(), ...SPOKEN, audio: { voice: 'ethan', format: 'wav' } });
    const wavBytes = Buffer.from(whole.choices[0].message.audio!.data, 'base64');

    const deltas: AudioDelta[] = [];
    const chunks = [];
    for await (const chunk of await stream({ messages: ask(), ...SPOKEN, audio: { voice: 'ethan', format: 'pcm16' } })) {
      chunks.push(chunk);
      const audio = (chunk.choices[0]?.delta as { audio?: AudioDelta } | undefined)?.audio;
      if (audio) deltas.push(audio);
    }
    const pcm = Buffer.concat(deltas.flatMap((d) => (d.data ? [Buffer.from(d.data, 'base64')] : [])));
    expect(pcm.length).toBe(SPOKEN_SAMPLES * 2);
    expect(pcm.equals(wavBytes.subarray(44))).toBe(true);
    expect(deltas.map((d) => d.transcript ?? '').join('')).toBe(golden.info.generated_text);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe(golden.info.generated_text);
    expect(new Set(deltas.map((d) => d.id))).toEqual(new Set([expect.stringMatching(/^audio_/)]));
    const last = chunks.at(-1)!.choices[0];
    expect(last.finish_reason).toBe('length');
    expect((last.delta as { audio?: AudioDelta }).audio).toEqual({ id: deltas[0].id, expires_at: expect.any(Number) });
  });

  it('is deterministic with temperature 0: the same request twice gives the same text and the same audio bytes', async () => {
    const params: Extended<Params> = { messages: ask('Say something twice.'), ...SPOKEN, audio: { voice: 'chelsie', format: 'wav' } };
    const [first, second] = [await create(params), await create(params)];
    expect(second.choices[0].message.content).toBe(first.choices[0].message.content);
    expect(second.choices[0].message.audio!.data).toBe(first.choices[0].message.audio!.data);
    // The second prefilled only what the first had not: the whole prompt but its last position came from the cache.
    expect(second.usage!.prompt_tokens_details!.cached_tokens).toBe(second.usage!.prompt_tokens - 1);
  });

  it("passes an image data URL to the model: transformers' reply to the same picture", async () => {
    const image = loadGoldenCase('image');
    const [picture, text] = image.info.messages[0].content as { image?: string; text?: string }[];
    const reply = await create({
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: dataUrl(picture.image!, 'image/png') } }, { type: 'text', text: text.text! }] }],
      ...GREEDY,
    });
    expect(reply.choices[0].message.content).toBe(image.info.generated_text);
    expect(reply.usage!.prompt_tokens).toBe(image.info.sequence_length);
  });

  it("passes an input_audio part to the model: transformers' reply to the same recording", async () => {
    const audio = loadGoldenCase('audio');
    const [recording, text] = audio.info.messages[0].content as { audio?: string; text?: string }[];
    const data = readFileSync(mediaPath(recording.audio!)).toString('base64');
    const reply = await create({
      messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data, format: 'wav' } }, { type: 'text', text: text.text! }] }],
      ...GREEDY,
    });
    expect(reply.choices[0].message.content).toBe(audio.info.generated_text);
    expect(reply.usage!.prompt_tokens).toBe(audio.info.sequence_length);
  });

  it('passes a video_url data URL through ffmpeg to the model: the prompt holds its frames', async () => {
    const file = 'video_96x64_25fps_2s4.mkv';
    const text = 'What happens in this video?';
    const reply = await create({
      messages: [{ role: 'user', content: [{ type: 'video_url', video_url: { url: dataUrl(file, 'video/x-matroska') } }, { type: 'text', text }] }],
      ...GREEDY,
    });
    const processor = Qwen3OmniProcessor.fromCheckpoint(t.bundleDir);
    const expected = await processor.process({ messages: [{ role: 'user', content: [{ type: 'video', video: mediaPath(file) }, { type: 'text', text }] }] });
    expect(reply.usage!.prompt_tokens).toBe(expected.inputIds.length);
    expect(reply.usage!.prompt_tokens).toBeGreaterThan(golden.info.sequence_length);
    expect(reply.choices[0].message.content).not.toBe('');
  });

  it('continues a spoken conversation from the audio id alone, as from the reply text', async () => {
    const first = await create({ messages: ask(), ...SPOKEN, audio: { voice: 'ethan', format: 'wav' } });
    const spoken = first.choices[0].message.audio!;
    const follow = { role: 'user', content: 'And then?' };
    const byId = await create({ messages: [...ask(), { role: 'assistant', audio: { id: spoken.id } }, follow], ...GREEDY });
    const byText = await create({ messages: [...ask(), { role: 'assistant', content: spoken.transcript }, follow], ...GREEDY });
    expect(byId.choices[0].message.content).toBe(byText.choices[0].message.content);
    expect(byId.usage!.prompt_tokens).toBe(byText.usage!.prompt_tokens);
    // The follow-up found the conversation holding the first turn: only the new message was prefilled.
    expect(byId.usage!.prompt_tokens_details!.cached_tokens).toBeGreaterThan(first.usage!.prompt_tokens);
  });

  it("keeps two clients' conversations apart: each follow-up prefills only its new message", async () => {
    const [a, b] = [ask('First client here.'), ask('Second client, another topic.')];
    const firstA = await create({ messages: a, ...GREEDY });
    const firstB = await create({ messages: b, ...GREEDY });
    const follow = (messages: unknown[], reply: OpenAI.ChatCompletion) =>
      create({ messages: [...messages, { role: 'assistant', content: reply.choices[0].message.content }, { role: 'user', content: 'Go on.' }], ...GREEDY });
    const [nextA, nextB] = [await follow(a, firstA), await follow(b, firstB)];
    expect(nextA.usage!.prompt_tokens_details!.cached_tokens).toBeGreaterThan(firstA.usage!.prompt_tokens);
    expect(nextB.usage!.prompt_tokens_details!.cached_tokens).toBeGreaterThan(firstB.usage!.prompt_tokens);
  });

  it('stops a streamed turn when the client disconnects, and the model answers the next request at once', async () => {
    const controller = new AbortController();
    const long = await t.client.chat.completions.create(
      { model: t.server.model, stream: true, messages: ask(), ...SPOKEN, audio: { voice: 'ethan', format: 'pcm16' }, max_audio_frames: 4000 } as StreamParams,
      { signal: controller.signal },
    );
    let audioChunks = 0;
    // The client's stream ends quietly when its request is aborted.
    for await (const chunk of long) {
      if ((chunk.choices[0]?.delta as { audio?: AudioDelta }).audio?.data && ++audioChunks === 2) controller.abort();
    }
    expect(audioChunks).toBe(2);
    const started = performance.now();
    const next = await create({ messages: ask(), ...GREEDY });
    // 4000 frames take the tiny talker ~30 s (7 ms each); the next reply waits for at most one step of the old one.
    expect(performance.now() - started).toBeLessThan(1500);
    expect(next.choices[0].message.content).toBe(golden.info.generated_text);
  });
});
