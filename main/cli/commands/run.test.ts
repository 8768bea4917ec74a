import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeWavSamples, parseWavHeader } from '../../engine/processor/audio/wav';
import { readNpySync } from '../../engine/runtime/npy';
import { loadGoldenCase } from '../../engine/testing/fixtures';
import { assertClose, assertExact } from '../../engine/testing/parity';
import { buildTinyBundle } from '../../engine/testing/tinyBundle';
import { main } from '../index';

const bin = fileURLToPath(new URL('../bin.mjs', import.meta.url));
const scratch = mkdtempSync(path.join(os.tmpdir(), 'omnidesk-run-'));
let bundle: string;
beforeAll(async () => {
  bundle = await buildTinyBundle(scratch);
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const golden = loadGoldenCase('text');
const question = golden.info.messages[0].content[0] as { text: string };

const home = () => path.join(scratch, 'home');
/** Through the real bin, in a child process. */
const omnidesk = (...args: string[]) => spawnSync(process.execPath, [bin, ...args, '--home', home()], { encoding: 'utf8' });
/** In-process, for what needs no separate process. */
async function run(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const status = await main([...args, '--home', home()], { out: (t) => (stdout += t), err: (t) => (stderr += t) });
  return { status, stdout, stderr };
}

describe('omnidesk run', () => {
  it('--no-speech --greedy: prints transformers\' reply and writes the dump files', () => {
    const dump = path.join(scratch, 'dump');
    const result = omnidesk('run', bundle, '--text', question.text, '--no-speech', '--greedy', '--max-new-tokens', '8', '--dump', dump);
    expect(result.stderr).toContain('Execution provider: cpu');
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`${golden.info.generated_text}\n`);

    assertExact('input_ids.npy', golden.array('input_ids'), readNpySync(path.join(dump, 'input_ids.npy')));
    assertExact('position_ids.npy', golden.array('position_ids'), readNpySync(path.join(dump, 'position_ids.npy')));
    assertExact('thinker_token_ids.npy', golden.array('thinker_token_ids'), readNpySync(path.join(dump, 'thinker_token_ids.npy')));
    const json = JSON.parse(readFileSync(path.join(dump, 'result.json'), 'utf8'));
    expect(json).toMatchObject({
      text: golden.info.generated_text,
      thinkerTokenIds: Array.from(golden.array('thinker_token_ids').data as BigInt64Array, Number),
      frames: 0,
      sampleRate: 24000,
      timings: { prefillTokens: 21, decodeTokens: 7, reusedTokens: 0 },
    });
    for (const absent of ['input_features', 'pixel_values', 'codes', 'waveform']) expect(existsSync(path.join(dump, `${absent}.npy`)), absent).toBe(false);
  });

  it('--greedy --out --dump: speaks transformers\' reply into a 24 kHz WAV and writes codes.npy, waveform.npy and result.json', () => {
    const dump = path.join(scratch, 'speech-dump');
    const wav = path.join(scratch, 'reply.wav');
    const frames = golden.info.generation.talker_max_new_tokens - 1;
    const result = omnidesk('run', bundle, '--text', question.text, '--greedy', '--max-new-tokens', '8', '--max-frames', String(frames), '--out', wav, '--dump', dump);
    expect(result.stderr).toContain(`${frames} codec frames (max-frames), 0.94 s of speech; first audio after`);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`${golden.info.generated_text}\n`);

    const bytes = new Uint8Array(readFileSync(wav));
    const header = parseWavHeader(bytes, wav)!;
    expect(header).toMatchObject({ sampleRate: 24000, channels: 1, encoding: 'int', bytesPerSample: 2 });
    const [samples] = decodeWavSamples(bytes, header).channels;
    // 16-bit PCM, as transformers' README writes it with soundfile: within one quantisation step.
    assertClose('reply.wav', golden.array('waveform', 'float32').data, samples, { atol: 1e-4, minCorrelation: 0.999 });

    assertExact('codes.npy', golden.array('codes'), readNpySync(path.join(dump, 'codes.npy')));
    assertClose('waveform.npy', golden.array('waveform'), readNpySync(path.join(dump, 'waveform.npy')), { atol: 1e-4, minCorrelation: 0.999 });
    assertExact('thinker_token_ids.npy', golden.array('thinker_token_ids'), readNpySync(path.join(dump, 'thinker_token_ids.npy')));
    const json = JSON.parse(readFileSync(path.join(dump, 'result.json'), 'utf8'));
    expect(json).toMatchObject({
      text: golden.info.generated_text,
      frames,
      sampleRate: 24000,
      timings: { decodeTokens: 7, speech: { framesBeforeFirstAudio: 2, talker: {}, vocoder: { chunks: 4 } } },
    });
  });

  it('--speaker: a voice of config.json in any case; an unknown one fails naming the voices', async () => {
    const dump = path.join(scratch, 'chelsie');
    const chelsie = await run('run', bundle, '--text', question.text, '--greedy', '--max-new-tokens', '3', '--max-frames', '3', '--speaker', 'CHELSIE', '--dump', dump);
    expect(chelsie.status).toBe(0);
    expect(readNpySync(path.join(dump, 'codes.npy')).shape).toEqual([16, 3]);
    const nobody = await run('run', bundle, '--text', question.text, '--speaker', 'Nobody', '--max-new-tokens', '2');
    expect(nobody.status).toBe(1);
    expect(nobody.stderr).toContain('INVALID_REQUEST: unknown speaker "Nobody"; this model speaks as aiden, chelsie, ethan');
    expect(nobody.stdout).toBe('');
  });

  it('refuses a turn without input and a malformed token limit (usage errors, exit 2)', async () => {
    expect(await run('run', bundle, '--no-speech')).toMatchObject({ status: 2, stderr: expect.stringContaining('run: give at least one of --text') });
    expect(await run('run', bundle, '--text', 'hi', '--max-new-tokens', '0')).toMatchObject({
      status: 2,
      stderr: expect.stringContaining('run: --max-new-tokens takes a positive whole number'),
    });
    expect(await run('run', bundle, '--text', 'hi', '--max-frames', 'x')).toMatchObject({ status: 2, stderr: expect.stringContaining('run: --max-frames takes a positive whole number') });
  });
});
