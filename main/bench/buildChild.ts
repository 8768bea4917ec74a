/**
 * Benchmark helper run in its own process (inChild.ts): builds one bundle and prints, as one JSON line, the
 * seconds the conversion took (up to the self-check), the checkpoint bytes it converted, the process's peak resident
 * set size when the self-check starts and at the end — measured here so that only the builder's memory counts, not
 * the benchmark's — and where the conversion's peak was reached: the graph being written and the checkpoint bytes
 * read when it was seen (the high-water mark is read at every progress report, i.e. after every tensor read).
 *
 *   node --import tsx main/bench/buildChild.ts <checkpoint-dir> <bundle-dir> <fp32|int4> <threads>
 */
import { procStatusBytes } from './harness';
import { buildBundle } from '../engine/builder/build';
import type { VariantName } from '../engine/builder/manifest';

const [checkpointDir, bundleDir, variant, threads] = process.argv.slice(2);
/**
 * This process's peak resident set. On Linux that is VmHWM: getrusage's maxRSS keeps the high-water mark of the
 * parent at the time it spawned us, and the benchmark holds gigabytes just after writing the checkpoint (that alone
 * read as 1.8 GiB here). Elsewhere maxRSS, in kilobytes on every platform (libuv).
 */
const peakRssBytes = () => procStatusBytes('VmHWM') ?? process.resourceUsage().maxRSS * 1024;
const started = performance.now();
let bytes = 0;
let conversion = { seconds: 0, peakRssBytes: 0 };
let peak = { rssBytes: 0, phase: 'start', readBytes: 0 };
// A rise seen at one report happened since the one before, in the phase that one was in.
let phase = 'start';
await buildBundle(checkpointDir, bundleDir, {
  variant: variant as VariantName,
  threads: Number(threads),
  onProgress: (p) => {
    bytes = p.totalBytes;
    if (conversion.seconds > 0) return;
    const rssBytes = peakRssBytes();
    if (rssBytes > peak.rssBytes) peak = { rssBytes, phase, readBytes: p.doneBytes };
    phase = p.phase;
    if (p.phase === 'self-check') conversion = { seconds: (performance.now() - started) / 1000, peakRssBytes: rssBytes };
  },
});
process.stdout.write(`${JSON.stringify({ ...conversion, bytes, peakRssWithSelfCheckBytes: peakRssBytes(), peakPhase: peak.phase, peakReadBytes: peak.readBytes })}\n`);
