/**
 * The Thinker on CPU at scale: a synthetic checkpoint (> 2 GB of bf16 random weights) with the real thinker layer
 * structure — 48 MoE layers of 128 experts, top-8 renormalised routing, q/k RMSNorm, GQA 8:1 with head_dim 128,
 * interleaved M-RoPE [24, 20, 20], the 152064-token vocabulary — at reduced width (hidden 384, experts 128 wide,
 * 8 query heads), plus the tiny checkpoint's encoders; the tokenizer and processor files are the tiny checkpoint's.
 *
 * Prints: builder throughput and peak RSS, of the conversion and of the whole build with its self-check (int4
 * variant, in a child process so only the builder's memory counts), quantising on BENCH_THREADS and on one thread
 * (the bundles must be byte-identical); the bundle's load-time verification with the
 * build's stamps against hashing every file (as each load did before stamps; page cache warm in both); how long opening
the bundle's sessions takes and the anonymous memory it adds (in a child process: the prepacked weights); prefill and
 * decode tokens/s through the runtime on CPU, and the share of decode wall time spent outside `session.run` (target
 * ≤ 5 %), measured around a whole conversation turn so detokenisation and event delivery count as outside time.
 * Temporary files are removed at the end.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeSyntheticThinker, type SyntheticThinkerShape } from '../engine/builder/testing/syntheticThinker';
import { OmniRuntime } from '../engine/omni/omniRuntime';
import { PREFILL_CHUNK_TOKENS } from '../engine/omni/thinker';
import { loadBundle } from '../engine/runtime/bundle';
import { STAMPS_FILE } from '../engine/runtime/verificationStamps';
import { TokenSampler } from '../engine/runtime/sampling/sampler';
import { TRANSFORMERS_SAMPLING_DEFAULTS } from '../engine/runtime/sampling/generationConfig';
import { assertSameBundles, BENCH_THREADS, buildInChild, openInChild } from './inChild';
import { VARIANT_KEYS } from '../engine/builder/manifest';
import { medianMs, type Bench, type BenchResult } from './harness';

const SHAPE: SyntheticThinkerShape = {
  hidden: 384,
  layers: 48,
  heads: 8,
  kvHeads: 1,
  headDim: 128,
  mropeSection: [24, 20, 20],
  experts: 128,
  topK: 8,
  expertWidth: 128,
  vocab: 152064,
};
const PREFILL_TOKENS = 128;
/** A long prompt's positions: an image and a question, or about a minute of audio. */
const LONG_PREFILL_TOKENS = 2048;
const DECODE_TOKENS = 64;

const MB = 1e6;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const bench: Bench = {
  name: 'thinker',
  async run() {
    const scratch = mkdtempSync(path.join(os.tmpdir(), 'omnidesk-thinker-bench-'));
    try {
      const checkpoint = path.join(scratch, 'checkpoint');
      const bundleDir = path.join(scratch, 'bundle');
      mkdirSync(checkpoint);
      process.stderr.write('  writing the synthetic checkpoint …\n');
      const checkpointBytes = await writeSyntheticThinker(checkpoint, SHAPE);
      process.stderr.write(`  ${(checkpointBytes / 1e9).toFixed(2)} GB of bf16 weights; building the int4 bundle on 1 and on ${BENCH_THREADS} threads …\n`);
      const oneThreadDir = path.join(scratch, 'bundle-1');
      const oneThread = await buildInChild(checkpoint, oneThreadDir, 'int4', 1);
      const build = await buildInChild(checkpoint, bundleDir, 'int4', BENCH_THREADS);
      assertSameBundles(oneThreadDir, bundleDir);
      rmSync(oneThreadDir, { recursive: true, force: true });
      rmSync(checkpoint, { recursive: true, force: true });
      const bundleBytes = JSON.parse(readFileSync(path.join(bundleDir, 'manifest.json'), 'utf8')).files.reduce((n: number, f: { path: string }) => n + statSync(path.join(bundleDir, f.path)).size, 0);
      const stampedLoadMs = await medianMs(() => loadBundle(bundleDir), { runs: 5, warmup: 1 });
      const fullLoadMs = await medianMs(
        () => {
          rmSync(path.join(bundleDir, STAMPS_FILE), { force: true });
          return loadBundle(bundleDir);
        },
        { runs: 3, warmup: 1 },
      );

      const open = await openInChild(bundleDir, scratch);
      const thinkerBytes = ['thinker.onnx', 'thinker.onnx.data'].reduce((n, name) => n + statSync(path.join(bundleDir, VARIANT_KEYS.int4, name)).size, 0);

      const omni = await OmniRuntime.open(bundleDir, { stateDir: scratch, providers: [{ name: 'cpu', available: true, reason: 'benchmark on CPU' }], verify: 'size' });
      const results: BenchResult[] = [];
      try {
        // Prefill: a fresh cache each time, PREFILL_TOKENS text positions, one token chosen.
        const ids = BigInt64Array.from({ length: PREFILL_TOKENS }, (_, i) => BigInt(1000 + ((i * 7919) % 100000)));
        const positions = Float64Array.from({ length: 3 * PREFILL_TOKENS }, (_, i) => i % PREFILL_TOKENS);
        const prefillMs: number[] = [];
        for (let round = 0; round < 4; round++) {
          for await (const event of omni.thinker.generate(
            { inputIds: ids, positionIds: positions, ropeDelta: 0 },
            { cache: omni.thinker.createCache(), sampler: new TokenSampler(TRANSFORMERS_SAMPLING_DEFAULTS), maxNewTokens: 1 },
          )) {
            if (event.type === 'done' && round > 0) prefillMs.push(event.result.timings.prefillMs);
          }
        }

        // A long prompt (an image with a question, a minute of audio): prefilled in chunks, as the runtime does, and
        // in one run, as it did before; one round each after a warm-up, a fresh cache each time.
        const longIds = BigInt64Array.from({ length: LONG_PREFILL_TOKENS }, (_, i) => BigInt(1000 + ((i * 7919) % 100000)));
        const longPositions = Float64Array.from({ length: 3 * LONG_PREFILL_TOKENS }, (_, i) => i % LONG_PREFILL_TOKENS);
        const longPrefillMs = async (prefillChunk: number) => {
          for await (const event of omni.thinker.generate(
            { inputIds: longIds, positionIds: longPositions, ropeDelta: 0 },
            { cache: omni.thinker.createCache(), sampler: new TokenSampler(TRANSFORMERS_SAMPLING_DEFAULTS), maxNewTokens: 1, prefillChunk },
          )) {
            if (event.type === 'done') return event.result.timings.prefillMs;
          }
          throw new Error('no done event');
        };
        await longPrefillMs(PREFILL_CHUNK_TOKENS);
        const chunkedMs = await longPrefillMs(PREFILL_CHUNK_TOKENS);
        const oneRunMs = await longPrefillMs(LONG_PREFILL_TOKENS);

        // Decode: one greedy turn through the conversation API, timed from the first text delta to the done event.
        let firstAt = 0;
        let doneAt = 0;
        let decodeRunMs = 0;
        let decodeTokens = 0;
        for await (const event of omni.conversation().send({
          messages: [{ role: 'user', content: 'Tell me a short story about a robot who learns to paint.' }],
          sampling: { doSample: false },
          maxNewTokens: DECODE_TOKENS + 1,
        })) {
          if (event.type === 'text-delta') firstAt ||= performance.now();
          else if (event.type === 'done') {
            doneAt = performance.now();
            decodeRunMs = event.timings.decodeRunMs;
            decodeTokens = event.timings.decodeTokens;
          }
        }
        const decodeWall = doneAt - firstAt;
        const outside = (decodeWall - decodeRunMs) / decodeWall;
        const threads = 'onnxruntime default intra-op threads';
        results.push(
          {
            name: `thinker build: synthetic checkpoint → int4, ${BENCH_THREADS} threads`,
            value: build.bytes / MB / build.seconds,
            unit: 'MB/s',
            note: `${(build.bytes / 1e9).toFixed(2)} GB (${(build.bytes / 2 ** 30).toFixed(2)} GiB) bf16 in ${build.seconds.toFixed(1)} s → ${(bundleBytes / 1e9).toFixed(2)} GB bundle`,
          },
          {
            name: 'thinker build: synthetic checkpoint → int4, 1 thread',
            value: oneThread.bytes / MB / oneThread.seconds,
            unit: 'MB/s',
            note: `${oneThread.seconds.toFixed(1)} s; the same bundle byte for byte`,
          },
          {
            name: `thinker build: conversion, ${BENCH_THREADS} threads`,
            value: build.seconds,
            unit: 's',
            peer: { name: '1 thread', value: oneThread.seconds },
            note: `ratio = speed-up on ${os.availableParallelism()} cores`,
          },
          {
            name: `thinker build: peak RSS (child process), ${BENCH_THREADS} threads`,
            value: build.peakRssBytes / 2 ** 20,
            unit: 'MiB',
            note: `conversion, up to the self-check; 1 thread: ${(oneThread.peakRssBytes / 2 ** 20).toFixed(0)} MiB`,
          },
          {
            name: `thinker build: peak RSS with the self-check, ${BENCH_THREADS} threads`,
            value: build.peakRssWithSelfCheckBytes / 2 ** 20,
            unit: 'MiB',
            note: `the whole build; 1 thread: ${(oneThread.peakRssWithSelfCheckBytes / 2 ** 20).toFixed(0)} MiB`,
          },
          {
            name: 'thinker bundle load: sha256 check, stamped',
            value: stampedLoadMs,
            unit: 'ms',
            peer: { name: 'every file hashed', value: fullLoadMs },
            note: `${(bundleBytes / 1e9).toFixed(2)} GB bundle, page cache warm, median of 5 and 3`,
          },
          {
            name: 'thinker bundle open (cpu, int4)',
            value: open.openMs / 1000,
            unit: 's',
            note: `every session of the bundle, in a child process; onnxruntime prepacks the weights on the calling thread`,
          },
          {
            name: 'thinker bundle open: anonymous memory added',
            value: open.addedBytes / 2 ** 20,
            unit: 'MiB',
            note: `${(open.addedBytes / thinkerBytes).toFixed(2)}× the int4 thinker's ${(thinkerBytes / 2 ** 20).toFixed(0)} MiB on disk (onnxruntime 1.30's QMoE prepacking; derive.ts's fit estimate counts it)`,
          },
          { name: `thinker prefill ${PREFILL_TOKENS} tokens (cpu, int4)`, value: (PREFILL_TOKENS * 1000) / median(prefillMs), unit: 'tok/s', note: `median of 3, ${threads}` },
          {
            name: `thinker prefill ${LONG_PREFILL_TOKENS} tokens in chunks of ${PREFILL_CHUNK_TOKENS} (cpu, int4)`,
            value: (LONG_PREFILL_TOKENS * 1000) / chunkedMs,
            unit: 'tok/s',
            peer: { name: 'one run', value: (LONG_PREFILL_TOKENS * 1000) / oneRunMs },
            note: `a Stop waits for at most one chunk: ${((chunkedMs * PREFILL_CHUNK_TOKENS) / LONG_PREFILL_TOKENS / 1000).toFixed(1)} s here instead of ${(oneRunMs / 1000).toFixed(1)} s`,
          },
          { name: `thinker decode ${decodeTokens} tokens (cpu, int4)`, value: (decodeTokens * 1000) / decodeWall, unit: 'tok/s', note: `${(decodeWall / decodeTokens).toFixed(1)} ms/token` },
          {
            name: 'thinker decode: wall time outside session.run',
            value: outside * 100,
            unit: '%',
            note: `target ≤ 5 % — ${outside <= 0.05 ? 'met' : 'NOT met'} (${((decodeWall - decodeRunMs) / decodeTokens).toFixed(2)} ms/token of host work)`,
          },
        );
      } finally {
        await omni.release();
      }
      return results;
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  },
};

export default bench;
