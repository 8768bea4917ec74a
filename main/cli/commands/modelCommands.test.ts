import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runPull, pullCommandOptions, type PullCommandOptions } from './pull';
import { runRm, rmCommandOptions } from './rm';
import { UsageError } from '../output';
import { bundledCatalog } from '../../models/catalog/catalog';
import type { Catalog } from '../../models/catalog/schema';
import { startFakeHub, type FakeHub } from '../../models/testing/fakeHub';
import { tinyCheckpoint } from '../../models/testing/fakeRepo';
import { expectInstalledExactly, tempHome, testTuning } from '../../models/testing/harness';

let hub: FakeHub | undefined;
afterEach(async () => hub?.close());

/** The bundled catalog with its default entry renamed to the fake repository, so the fit estimate applies to it. */
function catalogFor(id: string): Catalog {
  const catalog = structuredClone(bundledCatalog());
  catalog.models[0].id = id;
  catalog.models[0].revision = 'main';
  return catalog;
}

function capture(onErr?: (text: string) => void) {
  const io = { out: '', err: '' };
  return { io, sink: { out: (t: string) => void (io.out += t), err: (t: string) => void ((io.err += t), onErr?.(t)) } };
}

describe('omnidesk pull and rm', () => {
  it('parses the contract flags, with usage errors naming the flag', () => {
    expect(pullCommandOptions({ home: '/h', variant: 'fp32', 'no-build': true, 'limit-rate': '20M', offline: true }, ['Qwen/X'])).toMatchObject({
      repo: 'Qwen/X',
      home: '/h',
      variant: 'fp32',
      build: false,
      keepCheckpoint: true,
      offline: true,
      bytesPerSecond: 20e6,
    });
    expect(pullCommandOptions({}, ['Qwen/X'])).toMatchObject({ variant: 'int4', build: true, bytesPerSecond: undefined });
    expect(() => pullCommandOptions({ variant: 'q8' }, ['Qwen/X'])).toThrow(UsageError);
    expect(() => pullCommandOptions({ 'limit-rate': 'fast' }, ['Qwen/X'])).toThrow(/--limit-rate "fast"/);
    expect(() => pullCommandOptions({}, [])).toThrow(/which model/);
    expect(() => rmCommandOptions({}, [])).toThrow(/which model/);
  });

  it('prints the fit estimate before any byte is fetched, then progress on stderr and the installed path on stdout', async () => {
    const repo = tinyCheckpoint();
    hub = await startFakeHub({ repos: [repo] });
    const home = tempHome('cli');
    let bytesWhenFitShown: number | undefined;
    const { io, sink } = capture((text) => {
      if (text.includes('runs slowly on CPU')) bytesWhenFitShown ??= hub!.stats.bodyBytes;
    });
    const options: PullCommandOptions = {
      ...pullCommandOptions({ home, endpoint: hub.url, 'no-build': true }, [repo.id]),
      catalog: catalogFor(repo.id),
      machine: { totalRamBytes: 64e9, freeRamBytes: 60e9, freeDiskBytes: 500e9 },
      tty: false,
      pullTuning: testTuning(),
      hfCacheDirs: [],
      env: {},
    };
    await runPull(sink, options);
    expect(bytesWhenFitShown).toBe(0);
    expect(io.err).toMatch(/\* int4 +runs slowly on CPU +needs disk 94\.2 GB, RAM 62\.9 GB, VRAM 22\.5 GB — no GPU memory detected/);
    expect(io.err).toMatch(/ {3}fp32 +does not fit/);
    expect(io.err).toMatch(/\nDownloading 100\.0% \[#{20}\] 4\.8 MB\/4\.8 MB .* done\n/);
    expect(io.err).not.toContain('Building');
    expect(io.out).toBe(`${path.join(home, 'models', 'Qwen', 'Tiny-Omni', repo.commit, 'checkpoint')}\n`);
    expect(expectInstalledExactly(home, repo)).toEqual([]);
  });

  it('redraws one throttled line on a terminal, builds with a plugged-in builder and honours --delete-checkpoint', async () => {
    const repo = tinyCheckpoint('Qwen/Tiny-Omni', { shardBytes: [1e6, 1e6] });
    hub = await startFakeHub({ repos: [repo], bytesPerSecond: 4e6 });
    const home = tempHome('cli');
    const { io, sink } = capture();
    await runPull(sink, {
      ...pullCommandOptions({ home, endpoint: hub.url, 'delete-checkpoint': true }, [repo.id]),
      tty: true,
      pullTuning: { ...testTuning(), progressIntervalMs: 5 },
      hfCacheDirs: [],
      env: {},
      builder: async ({ bundleDir, onProgress }) => {
        onProgress({ fraction: 0.5, stage: 'thinker' });
        writeFileSync(path.join(bundleDir, 'manifest.json'), '{}');
      },
    });
    const redraws = io.err.split('\r\x1b[2K').length - 1;
    // ≈ 0.5 s of downloading at ≤ 10 redraws a second, plus the forced phase changes.
    expect(redraws).toBeGreaterThan(2);
    expect(redraws).toBeLessThan(20);
    expect(io.err).toMatch(/Building int4 100% {2}done\n/);
    const [checkpoint, bundle] = io.out.trim().split('\n');
    expect(bundle).toBe(path.join(path.dirname(checkpoint), 'bundles', 'int4'));
    expect(existsSync(checkpoint)).toBe(false);
    expect(existsSync(path.join(bundle, 'manifest.json'))).toBe(true);

    const { io: rmIo, sink: rmSink } = capture();
    await runRm(rmSink, rmCommandOptions({ home }, [repo.id]));
    expect(rmIo.out).toBe('Removed Qwen/Tiny-Omni (1 revision(s)), freed 2 B\n');
  });
});
