import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNpySync } from '../../engine/runtime/npy';
import { loadGoldenCase } from '../../engine/testing/fixtures';
import { assertExact } from '../../engine/testing/parity';
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

  it('without --no-speech: a text reply and a note that speech arrives with the talker; --out is refused', async () => {
    const text = await run('run', bundle, '--text', question.text, '--greedy', '--max-new-tokens', '2');
    expect(text.status).toBe(0);
    expect(text.stdout).toBe(`${golden.info.generated_text.slice(0, '++++++++++++++++++++++++++++++++_videos'.length)}\n`);
    expect(text.stderr).toContain('Speech output is not available yet (it arrives with the talker): replying in text only.');
    const wav = await run('run', bundle, '--text', question.text, '--out', path.join(scratch, 'reply.wav'));
    expect(wav.status).toBe(1);
    expect(wav.stderr).toContain('INVALID_REQUEST: cannot write');
    expect(wav.stderr).toContain('Run with --no-speech for a text reply.');
  });

  it('refuses a turn without input and a malformed token limit (usage errors, exit 2)', async () => {
    expect(await run('run', bundle, '--no-speech')).toMatchObject({ status: 2, stderr: expect.stringContaining('run: give at least one of --text') });
    expect(await run('run', bundle, '--text', 'hi', '--max-new-tokens', '0')).toMatchObject({
      status: 2,
      stderr: expect.stringContaining('run: --max-new-tokens takes a positive whole number'),
    });
  });
});
