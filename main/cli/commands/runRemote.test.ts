import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { decodeWavSamples, parseWavHeader } from '../../engine/processor/audio/wav';
import { readNpySync } from '../../engine/runtime/npy';
import { loadGoldenCase, mediaPath } from '../../engine/testing/fixtures';
import { assertClose } from '../../engine/testing/parity';
import { startTestServer, TEST_TOKEN, type TestServer } from '../../serve/testServer';
import { main } from '../index';

const bin = fileURLToPath(new URL('../bin.mjs', import.meta.url));
const scratch = mkdtempSync(path.join(os.tmpdir(), 'omnidesk-run-remote-'));
const home = path.join(scratch, 'home');
let t: TestServer;
let host: string;
beforeAll(async () => {
  t = await startTestServer();
  host = new URL(t.server.url).host;
}, 120_000);
afterAll(async () => {
  await t?.close();
  rmSync(scratch, { recursive: true, force: true });
});
afterEach(() => vi.unstubAllEnvs());

const golden = loadGoldenCase('image');
const [image, question] = golden.info.messages[0].content as { image: string; text: string }[];
const imageTurn = ['--image', mediaPath(image.image), '--text', question.text, '--greedy', '--max-new-tokens', '8'];

/** In-process: the server under test answers from this process, so a blocking child would stall it. */
async function run(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const status = await main([...args, '--home', home], { out: (text) => (stdout += text), err: (text) => (stderr += text) });
  return { status, stdout, stderr };
}

function wavSamples(file: string): Float32Array {
  const bytes = new Uint8Array(readFileSync(file));
  const header = parseWavHeader(bytes, file)!;
  expect(header).toMatchObject({ sampleRate: 24000, channels: 1 });
  return decodeWavSamples(bytes, header).channels[0];
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

interface SeenRequest {
  method?: string;
  url?: string;
  authorization?: string;
  body?: unknown;
}

/** An OpenAI-compatible server that lists `models` and streams `deltas` as a text-only reply, recording what it is sent. */
async function fakeServer(models: string[], deltas: string[]) {
  const requests: SeenRequest[] = [];
  const server = createServer(async (req, res) => {
    let text = '';
    for await (const chunk of req) text += chunk;
    requests.push({ method: req.method, url: req.url, authorization: req.headers.authorization, ...(text && { body: JSON.parse(text) }) });
    if (req.url === '/v1/models') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ object: 'list', data: models.map((id) => ({ id, object: 'model' })) }));
      return;
    }
    res.setHeader('content-type', 'text/event-stream');
    for (const content of deltas) res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content } }] })}\n\n`);
    res.end('data: [DONE]\n\n');
  }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: `http://${host}/v1`, host, requests, close: () => new Promise((resolve) => server.close(resolve)) };
}

describe('omnidesk run --remote', () => {
  it('answers a text + image turn greedily with the local run’s text and as many samples of speech, streamed and dumped', async () => {
    vi.stubEnv('OMNIDESK_API_KEY', TEST_TOKEN);
    const localWav = path.join(scratch, 'local.wav');
    const remoteWav = path.join(scratch, 'remote.wav');
    const dump = path.join(scratch, 'remote-dump');
    // Left by an earlier local run: a remote dump must not pass it off as its own.
    mkdirSync(dump, { recursive: true });
    writeFileSync(path.join(dump, 'input_ids.npy'), 'stale');

    const local = await run('run', t.bundleDir, ...imageTurn, '--max-frames', '12', '--out', localWav);
    const remote = await run('run', '--remote', t.server.url, ...imageTurn, '--max-frames', '12', '--out', remoteWav, '--dump', dump);

    expect(local.status).toBe(0);
    expect(remote.status).toBe(0);
    expect(remote.stdout).toBe(`${golden.info.generated_text}\n`);
    expect(remote.stdout).toBe(local.stdout);
    expect(remote.stderr).toContain(`Answered by ${host} (data leaves this computer)\n`);
    expect(remote.stderr).toContain('12 codec frames, 0.94 s of speech; first audio after');
    expect(remote.stderr).toContain(`Wrote ${remoteWav}\n`);

    const localSpeech = wavSamples(localWav);
    const remoteSpeech = wavSamples(remoteWav);
    // 12 frames of 1920 samples, less the vocoder's 555-sample lookahead.
    expect(localSpeech.length).toBe(12 * 1920 - 555);
    expect(remoteSpeech.length).toBe(localSpeech.length);
    // Sent as pcm16 and written as 16-bit PCM again: within two quantisation steps.
    assertClose('remote.wav', localSpeech, remoteSpeech, { atol: 2 / 32768, minCorrelation: 0.9999 });

    const result = JSON.parse(readFileSync(path.join(dump, 'result.json'), 'utf8'));
    expect(result).toEqual({
      text: golden.info.generated_text,
      frames: 12,
      sampleRate: 24000,
      timings: { firstTextMs: expect.any(Number), firstAudioMs: expect.any(Number), totalMs: expect.any(Number) },
    });
    expect(readNpySync(path.join(dump, 'waveform.npy')).shape).toEqual([localSpeech.length]);
    expect(existsSync(path.join(dump, 'input_ids.npy'))).toBe(false);
    expect(remote.stderr).toContain(`Wrote result.json and waveform.npy to ${dump}; a remote turn cannot give input_ids.npy, position_ids.npy,`);
  }, 120_000);

  it('sends the turn as one OpenAI request: media then the texts joined, the system text, the voice, greedy as temperature 0, the caps, --seed and --use-audio-in-video', async () => {
    const fake = await fakeServer(['qwen3-omni'], ['Hel', 'lo']);
    try {
      vi.stubEnv('OMNIDESK_API_KEY', 'key-from-the-environment');
      const video = mediaPath('video_96x64_25fps_2s4.mkv');
      const result = await run(
        'run', '--remote', fake.url, '--system', 'Be brief.', '--text', 'What happens?', '--video', video, '--text', ' Answer in a word.',
        '--use-audio-in-video', '--speaker', 'Chelsie', '--greedy', '--max-new-tokens', '8', '--max-frames', '5', '--seed', '1234',
      );
      expect(result).toMatchObject({ status: 0, stdout: 'Hello\n' });
      expect(fake.requests.map((r) => `${r.method} ${r.url} ${r.authorization}`)).toEqual([
        'GET /v1/models Bearer key-from-the-environment',
        'POST /v1/chat/completions Bearer key-from-the-environment',
      ]);
      expect(fake.requests[1].body).toEqual({
        model: 'qwen3-omni',
        messages: [
          { role: 'system', content: 'Be brief.' },
          {
            role: 'user',
            content: [
              { type: 'video_url', video_url: { url: `data:video/x-matroska;base64,${readFileSync(video).toString('base64')}` } },
              { type: 'text', text: 'What happens? Answer in a word.' },
            ],
          },
        ],
        stream: true,
        modalities: ['text', 'audio'],
        audio: { voice: 'Chelsie', format: 'pcm16' },
        speaker: 'Chelsie',
        max_audio_frames: 5,
        temperature: 0,
        max_tokens: 8,
        seed: 1234,
        mm_processor_kwargs: { use_audio_in_video: true },
      });
    } finally {
      await fake.close();
    }
  });

  it('says when the server sent no speech, and fails when --out asked for it', async () => {
    const fake = await fakeServer(['qwen3-omni'], ['Hi']);
    try {
      const said = await run('run', '--remote', fake.url, '--text', 'hi');
      expect(said).toMatchObject({ status: 0, stdout: 'Hi\n' });
      expect(said.stderr).toContain(`${fake.host} sent no speech with its reply.\n`);
      const out = path.join(scratch, 'silent.wav');
      const failed = await run('run', '--remote', fake.url, '--text', 'hi', '--out', out);
      expect(failed.status).toBe(1);
      expect(failed.stderr).toContain(`omnidesk: REMOTE_FAILED: ${fake.host} sent no speech with its reply: nothing to write to ${out}.\n`);
      expect(existsSync(out)).toBe(false);
    } finally {
      await fake.close();
    }
  });

  it('without OMNIDESK_API_KEY, or with a wrong one, fails with the server’s 401 and says which variable to set', async () => {
    vi.stubEnv('OMNIDESK_API_KEY', undefined);
    const missing = await run('run', '--remote', t.server.url, '--text', 'hi');
    expect(missing.status).toBe(1);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toContain(`omnidesk: REMOTE_AUTH: ${host} rejected the API key (401)`);
    expect(missing.stderr).toContain('\n  This server needs an API key: set OMNIDESK_API_KEY to it.\n');

    vi.stubEnv('OMNIDESK_API_KEY', 'not-the-token');
    const wrong = await run('run', '--remote', t.server.url, '--model', t.server.model, '--text', 'hi');
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toContain(`omnidesk: REMOTE_AUTH: ${host} rejected the API key (401)`);
    expect(wrong.stderr).toContain('\n  Check OMNIDESK_API_KEY: the server does not accept it.\n');
  });

  it('names a server that does not answer: connection refused', async () => {
    const port = await closedPort();
    const result = await run('run', '--remote', `http://127.0.0.1:${port}/v1`, '--text', 'hi');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      `omnidesk: REMOTE_UNREACHABLE: Could not reach 127.0.0.1:${port}: connection refused.\n  Check that the server is running and listening on that port.\n`,
    );
  });

  it('with several models and no --model, lists them (usage error, exit 2)', async () => {
    const fake = await fakeServer(['qwen3-omni-30b', 'qwen3-omni-int4'], []);
    try {
      const result = await run('run', '--remote', fake.url, '--text', 'hi');
      expect(result).toMatchObject({ status: 2, stdout: '' });
      expect(result.stderr).toContain(`omnidesk: run: ${fake.host} serves 2 models; pick one with --model: qwen3-omni-30b, qwen3-omni-int4\n`);
      expect(fake.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['GET /v1/models']);
    } finally {
      await fake.close();
    }
  });

  it('refuses a bundle directory with --remote, a base URL that is not http(s), and local-only flags (usage errors, exit 2)', async () => {
    const both = await run('run', t.bundleDir, '--remote', t.server.url, '--text', 'hi');
    expect(both).toMatchObject({ status: 2, stdout: '' });
    expect(both.stderr).toContain(`run: give the bundle directory ("${t.bundleDir}") or --remote ${t.server.url}, not both`);
    expect(await run('run', '--remote', 'gpu-box:8091', '--text', 'hi')).toMatchObject({
      status: 2,
      stderr: expect.stringContaining('run: --remote gpu-box:8091: must be an http:// or https:// URL (got gpu-box:)'),
    });
    expect(await run('run', '--remote', t.server.url, '--text', 'hi', '--video-max-pixels', '4096')).toMatchObject({
      status: 2,
      stderr: expect.stringContaining('run: --video-max-pixels applies to a local run only'),
    });
    expect(await run('run', t.bundleDir, '--model', 'bundle', '--text', 'hi')).toMatchObject({
      status: 2,
      stderr: expect.stringContaining('run: --model goes with --remote'),
    });
    expect(await run('run', '--text', 'hi')).toMatchObject({ status: 2, stderr: expect.stringContaining('run: give the bundle directory, or --remote') });
  });

  it('Ctrl-C stops the reply at once and still writes the speech delivered until then', async () => {
    const wav = path.join(scratch, 'interrupted.wav');
    const dump = path.join(scratch, 'interrupted-dump');
    // 4000 frames would keep the tiny talker busy for about 30 s.
    const args = ['run', '--remote', t.server.url, '--text', question.text, '--max-new-tokens', '8', '--max-frames', '4000', '--out', wav, '--dump', dump];
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, OMNIDESK_API_KEY: TEST_TOKEN }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const exited = once(child, 'exit');
    try {
      await once(child.stdout, 'data');
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const interrupted = performance.now();
      child.kill('SIGINT');
      const [code] = await exited;
      // The command's own account of the turn, so a slow stop says where the time went.
      expect(performance.now() - interrupted, `omnidesk stderr:\n${stderr}`).toBeLessThan(3000);
      expect(stderr).toContain('Reply interrupted after');
      expect(code).toBe(0);
      const samples = wavSamples(wav).length;
      const result = JSON.parse(readFileSync(path.join(dump, 'result.json'), 'utf8'));
      expect(readNpySync(path.join(dump, 'waveform.npy')).shape).toEqual([samples]);
      expect(result.frames).toBe(Math.ceil(samples / 1920));
      expect(result.frames).toBeLessThan(4000);
    } finally {
      child.kill('SIGKILL');
    }
  }, 60_000);
});
