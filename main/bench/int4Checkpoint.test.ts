import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildBundle } from '../engine/builder/build';
import { openCheckpoint } from '../engine/builder/safetensors';
import { loadBundle } from '../engine/runtime/bundle';
import { goldenCaseNames, loadGoldenCase, TINY_CHECKPOINT_DIR } from '../engine/testing/fixtures';
import { buildTinyBundle } from '../engine/testing/tinyBundle';
import { estimateBundleBytes } from './bundleSize';
import bench, { agreementResults } from './int4.bench';
import { buildAndCompare, compareBundles } from './int4Checkpoint';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'omnidesk-int4-checkpoint-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Our processor on the tiny checkpoint's config reproduces the oracle's prompts: one position per golden token. */
const goldenLength = (name: string) => loadGoldenCase(name).info.sequence_length;

describe('int4 bench on bundles already built (--fp32 BUNDLE --int4 BUNDLE)', () => {
  let fp32: string;
  beforeAll(async () => {
    fp32 = await buildTinyBundle(scratch);
  });

  it('an fp32 bundle against itself agrees at every position of every golden request, cosine exactly 1, and passes', async () => {
    const cases = await compareBundles(fp32, fp32, { intraOpNumThreads: 1, log: () => {} });
    expect(cases.map((c) => [c.name, c.positions.length])).toEqual(goldenCaseNames().map((name) => [name, goldenLength(name)]));
    for (const { positions } of cases) {
      expect(positions.every((p) => p.agree && p.cosine === 1 && p.margin >= 0)).toBe(true);
    }

    const results = agreementResults(cases);
    expect(results.map((r) => r.name)).toEqual([
      ...goldenCaseNames().map((name) => `int4 vs fp32 top-1, ${name}`),
      'int4 vs fp32 top-1, all cases',
      'int4 vs fp32 logits cosine, all cases',
      'int4 vs fp32 top-1, fp32 margin > 0.1',
    ]);
    const overall = results.slice(-3);
    const positions = goldenCaseNames().reduce((n, name) => n + goldenLength(name), 0);
    expect(overall.map((r) => [r.value, r.unit])).toEqual([[100, '%'], [1, ''], [100, '%']]);
    expect(overall[0].note).toMatch(new RegExp(`^target ≥ 95 % — PASS — ${positions} positions, logits cosine mean 1.0000 min 1.0000, top-1 at \\d+ decisive positions 100.0 %$`));
    expect(overall[1].note).toBe('mean 1.0000, target ≥ 0.99 — PASS');
  }, 60_000);

  it('refuses two bundles built from different checkpoints', async () => {
    const checkpoint = path.join(scratch, 'other-checkpoint');
    mkdirSync(checkpoint);
    for (const file of readdirSync(TINY_CHECKPOINT_DIR)) symlinkSync(path.join(TINY_CHECKPOINT_DIR, file), path.join(checkpoint, file));
    rmSync(path.join(checkpoint, 'generation_config.json'));
    writeFileSync(path.join(checkpoint, 'generation_config.json'), '{"do_sample": false}\n');
    const other = path.join(scratch, 'other');
    await buildBundle(checkpoint, other, { variant: 'int4', selfCheck: false });
    await expect(compareBundles(fp32, other, { log: () => {} })).rejects.toMatchObject({
      code: 'INVALID_REQUEST',
      message: `--int4 ${other}: its config, tokenizer or processor files differ from those of --fp32 ${fp32}`,
    });
  });

  it('refuses options that do not go together, naming them', async () => {
    await expect(bench.run(['--fp32', fp32])).rejects.toThrow('bench int4: --int4 is missing: give both bundles');
    await expect(bench.run(['--int4', fp32])).rejects.toThrow('bench int4: --fp32 is missing: give both bundles');
    await expect(bench.run(['--out', scratch])).rejects.toThrow('bench int4: --out goes with --checkpoint');
    await expect(bench.run(['--checkpoint', TINY_CHECKPOINT_DIR, '--fp32', fp32])).rejects.toThrow('--checkpoint builds both bundles; leave out --fp32 and --int4');
    await expect(bench.run(['--bundle', fp32])).rejects.toThrow("bench int4: Unknown option '--bundle'");
  });
});

describe('int4 bench on a checkpoint (--checkpoint DIR --out DIR)', () => {
  const cases = ['audio', 'image', 'video_audio'];

  it('says what the bundles need, builds both variants and compares them at every position', async () => {
    const out = path.join(scratch, 'built');
    const log: string[] = [];
    const result = await buildAndCompare(TINY_CHECKPOINT_DIR, { out, caseNames: cases, intraOpNumThreads: 1, log: (line) => log.push(line) });
    expect(log[0]).toMatch(new RegExp(`^the bundles need about [\\d.]+ MB \\(fp32 [\\d.]+ MB, int4 [\\d.]+ MB\\); ${out} has [\\d.]+ [GT]B free$`));
    expect(readdirSync(out).sort()).toEqual(['fp32', 'int4']);
    expect(result.map((c) => [c.name, c.positions.length])).toEqual(cases.map((name) => [name, goldenLength(name)]));
    // Width 8: int4 is far coarser than on the real model (build.test.ts sets the floors); here only the path is checked.
    const cosines = result.flatMap((c) => c.positions.map((p) => p.cosine));
    expect(cosines.reduce((a, b) => a + b, 0) / cosines.length).toBeGreaterThan(0.95);
  }, 60_000);

  it('refuses before building when the disk lacks the room, and when --out already holds bundles', async () => {
    const out = path.join(scratch, 'no-room');
    await expect(buildAndCompare(TINY_CHECKPOINT_DIR, { out, freeBytes: async () => 1e6, log: () => {} })).rejects.toMatchObject({
      code: 'DISK_FULL',
      message: expect.stringMatching(new RegExp(`^--out ${out}: building the fp32 and int4 bundles needs about [\\d.]+ MB, the disk has 1.0 MB free$`)),
    });
    expect(existsSync(out)).toBe(false);
    await expect(buildAndCompare(TINY_CHECKPOINT_DIR, { out: path.join(scratch, 'built'), log: () => {} })).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
  });

  it('estimates at least the bytes each variant takes', async () => {
    const tensors = [...(await openCheckpoint(TINY_CHECKPOINT_DIR)).values()];
    for (const variant of ['fp32', 'int4'] as const) {
      const { manifest } = await loadBundle(path.join(scratch, 'built', variant), { verify: 'size' });
      const weights = manifest.files.filter((f) => f.role === 'weights').reduce((n, f) => n + f.bytes, 0);
      expect(estimateBundleBytes(tensors, variant)).toBeGreaterThanOrEqual(weights);
    }
  });
});
