/**
 * Benchmark helper run in its own process (thinker.bench.ts): builds one bundle and prints, as one JSON line, the
 * seconds it took, the checkpoint bytes it converted and the process's peak resident set size — measured here so
 * that only the builder's memory counts, not the benchmark's.
 *
 *   node --import tsx main/bench/buildChild.ts <checkpoint-dir> <bundle-dir> <fp32|int4>
 */
import { buildBundle } from '../engine/builder/build';
import type { VariantName } from '../engine/builder/manifest';

const [checkpointDir, bundleDir, variant] = process.argv.slice(2);
const started = performance.now();
let bytes = 0;
// No self-check: it creates ONNX Runtime sessions, whose memory is the runtime's, not the builder's.
await buildBundle(checkpointDir, bundleDir, { variant: variant as VariantName, selfCheck: false, onProgress: (p) => (bytes = p.totalBytes) });
const seconds = (performance.now() - started) / 1000;
// maxRSS is in kilobytes on every platform (libuv getrusage).
process.stdout.write(`${JSON.stringify({ seconds, bytes, peakRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`);
