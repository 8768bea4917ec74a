/**
 * The builder's memory at the real checkpoint's widths: a synthetic snapshot with Qwen3-Omni's thinker widths and one
 * decoder layer (syntheticThinker.ts REAL_WIDTH_THINKER, 2.5 GB of bf16: the [152064, 2048] embedding table and head,
 * 128 experts of 768 × 2048) built in both variants, each in a child process so only the builder's memory counts;
 * int4 twice, quantising on one thread and on BENCH_THREADS (the bundles must be byte-identical). The thinker bench
 * shows the peak does not grow with the number of layers; this one that it does not grow with the size of the
 * largest tensor either, nor much with the quantisation threads. Prints, per build, the conversion's peak RSS (where
 * it was reached, and with the self-check) and its throughput, and the int4 conversion's time on BENCH_THREADS
 * against one thread. Temporary files are removed at the end.
 *
 *   npm run bench builderMemory
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { VariantName } from '../engine/builder/manifest';
import { REAL_WIDTH_THINKER, writeSyntheticThinker } from '../engine/builder/testing/syntheticThinker';
import { assertSameBundles, BENCH_THREADS, buildInChild, type ChildBuild } from './inChild';
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
      const int4: ChildBuild[] = [];
      // fp32 quantises nothing: its threads start no worker.
      for (const [variant, threads] of [['fp32', 1], ['int4', 1], ['int4', BENCH_THREADS]] as [VariantName, number][]) {
        const label = `${variant}${variant === 'int4' ? `, ${threads} thread${threads > 1 ? 's' : ''}` : ''}`;
        process.stderr.write(`  ${(checkpointBytes / 1e9).toFixed(2)} GB of bf16 weights; building the ${label} bundle …\n`);
        const bundleDir = path.join(scratch, `${variant}-${threads}`);
        const build = await buildInChild(checkpoint, bundleDir, variant, threads);
        if (variant === 'int4') int4.push(build);
        if (variant === 'int4' && threads > 1) assertSameBundles(path.join(scratch, 'int4-1'), bundleDir);
        // The one-thread int4 bundle stays until the other is compared with it.
        if (variant === 'fp32' || threads > 1) rmSync(bundleDir, { recursive: true, force: true });
        results.push(
          {
            name: `builder peak RSS, real width → ${label}`,
            value: build.peakRssBytes / MiB,
            unit: 'MiB',
            note: `conversion; reached in ${build.peakPhase} after ${(build.peakReadBytes / 1e9).toFixed(2)} GB read; ${(build.peakRssWithSelfCheckBytes / MiB).toFixed(0)} MiB with the self-check`,
          },
          {
            name: `builder throughput, real width → ${label}`,
            value: build.bytes / 1e6 / build.seconds,
            unit: 'MB/s',
            note: `${(build.bytes / 1e9).toFixed(2)} GB bf16 in ${build.seconds.toFixed(1)} s`,
          },
        );
      }
      const [one, many] = int4;
      results.push({
        name: `int4 conversion, real width, ${BENCH_THREADS} threads`,
        value: many.seconds,
        unit: 's',
        peer: { name: '1 thread', value: one.seconds },
        note: `ratio = speed-up on ${os.availableParallelism()} cores; bundles byte-identical`,
      });
      return results;
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  },
};

export default bench;
