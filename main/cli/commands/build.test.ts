import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeSyntheticThinker } from '../../engine/builder/testing/syntheticThinker';
import type { Manifest } from '../../engine/runtime/bundle';
import { main } from '../index';
import { suiteTempDir, testTempDir } from '../../../test/tempDir';

const bin = fileURLToPath(new URL('../bin.mjs', import.meta.url));

/** Threads of this process (Linux): each quantisation worker is one while it lives. */
const threadCount = () => readdirSync('/proc/self/task').length;

async function run(...argv: string[]) {
  let err = '';
  const code = await main(argv, { out: () => {}, err: (t) => (err += t) });
  return { code, err };
}

const files = (bundle: string) => (JSON.parse(readFileSync(path.join(bundle, 'manifest.json'), 'utf8')) as Manifest).files.map((f) => `${f.path} ${f.sha256}`);

describe.skipIf(process.platform !== 'linux')('omnidesk build --threads', () => {
  // Experts and head large enough to go to the data file in many pieces, built in a second or two.
  const checkpoint = path.join(suiteTempDir('build-command'), 'checkpoint');
  beforeAll(async () => {
    mkdirSync(checkpoint);
    await writeSyntheticThinker(checkpoint, { hidden: 64, layers: 2, heads: 4, kvHeads: 1, headDim: 32, mropeSection: [6, 5, 5], experts: 16, topK: 2, expertWidth: 64, vocab: 152064 });
  });

  it('quantises on that many worker threads, into the bundle one thread builds', async () => {
    const out = testTempDir('build-command');
    const idle = threadCount();
    let peak = idle;
    const sampler = setInterval(() => (peak = Math.max(peak, threadCount())), 5);
    try {
      expect(await run('build', checkpoint, path.join(out, 'two'), '--threads', '2')).toMatchObject({ code: 0 });
    } finally {
      clearInterval(sampler);
    }
    expect(peak).toBe(idle + 2);
    expect(threadCount()).toBe(idle);
    expect(await run('build', checkpoint, path.join(out, 'one'), '--threads', '1')).toMatchObject({ code: 0 });
    expect(files(path.join(out, 'two'))).toEqual(files(path.join(out, 'one')));
  });

  it('takes a positive whole number of threads', async () => {
    for (const threads of ['0', '-2', '1.5', 'all']) {
      expect(await run('build', checkpoint, path.join(testTempDir('build-command'), 'bundle'), `--threads=${threads}`)).toEqual({
        code: 2,
        err: `omnidesk: build: --threads takes a positive whole number, not ${threads}\nRun "omnidesk --help" for usage.\n`,
      });
    }
  });

  it('ends at once when the process is stopped while its workers quantise, as a cancelled build is', async () => {
    const out = testTempDir('build-command');
    const child = spawn(process.execPath, [bin, 'build', checkpoint, path.join(out, 'bundle'), '--threads', '2'], { stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    // The staging folder is made once the workers have started, and goes only with the finished bundle.
    while (!readdirSync(out).some((name) => name.includes('.partial-'))) await new Promise((resolve) => setTimeout(resolve, 5));
    const stopped = performance.now();
    child.kill('SIGTERM');
    expect(await exited).toBe('SIGTERM');
    expect(performance.now() - stopped).toBeLessThan(1000);
    expect(readdirSync(out).includes('bundle')).toBe(false);
  });
});
