/**
 * The builder's memory at the real checkpoint's widths: a synthetic snapshot with Qwen3-Omni's thinker widths and one
 * decoder layer (syntheticThinker.ts REAL_WIDTH_THINKER, 2.5 GB of bf16: the [152064, 2048] embedding table and head,
 * 128 experts of 768 × 2048) built in both variants, each in a child process so only the builder's memory counts.
 * The thinker bench shows the peak does not grow with the number of layers; this one that it does not grow with the
 * size of the largest tensor either. Prints, per variant, the conversion's peak RSS (where it was reached, and with
 * the self-check) and its throughput. Temporary files are removed at the end.
 *
 *   npm run bench builderMemory
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { VariantName } from '../engine/builder/manifest';
import { REAL_WIDTH_THINKER, writeSyntheticThinker } from '../engine/builder/testing/syntheticThinker';
import { buildInChild } from './inChild';
import type { Bench, BenchResult } from './harness';

const MiB = 2 ** 20;

const bench: Bench = {
  name: 'builder memory',
  async run() {
    const scratch = mkdtempSync(path.join(os.tmpdir(), 'omnidesk-builder-memory-bench-'));
    try {
      const checkpoint = path.join(scratch, 'checkpoint');
      mkdirSync(checkpoint);
      process.stderr.write('  writing the real-width synthetic checkpoint …\n');
      const checkpointBytes = await writeSyntheticThinker(checkpoint, REAL_WIDTH_THINKER);
      const results: BenchResult[] = [];
      for (const variant of ['fp32', 'int4'] as VariantName[]) {
        process.stderr.write(`  ${(checkpointBytes / 1e9).toFixed(2)} GB of bf16 weights; building the ${variant} bundle …\n`);
        const bundleDir = path.join(scratch, variant);
        const build = await buildInChild(checkpoint, bundleDir, variant);
        rmSync(bundleDir, { recursive: true, force: true });
        results.push(
          {
            name: `builder peak RSS, real width → ${variant}`,
            value: build.peakRssBytes / MiB,
            unit: 'MiB',
            note: `conversion; reached in ${build.peakPhase} after ${(build.peakReadBytes / 1e9).toFixed(2)} GB read; ${(build.peakRssWithSelfCheckBytes / MiB).toFixed(0)} MiB with the self-check`,
          },
          {
            name: `builder throughput, real width → ${variant}`,
            value: build.bytes / 1e6 / build.seconds,
            unit: 'MB/s',
            note: `${(build.bytes / 1e9).toFixed(2)} GB bf16 in ${build.seconds.toFixed(1)} s`,
          },
        );
      }
      return results;
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  },
};

export default bench;
