/**
 * Benchmark helper run in its own process (inChild.ts): opens a bundle's sessions as the engine does and prints,
 * as one JSON line, how long that took and how much anonymous memory it added — on Linux RssAnon, which leaves out the
 * memory-mapped weight files the kernel can drop and reload, so what remains is what the runtime made of them
 * (prepacked copies). Elsewhere the resident set, which counts the mapped pages too.
 *
 *   node --import tsx main/bench/openChild.ts <bundle-dir>
 */
import { OmniRuntime } from '../engine/omni/omniRuntime';
import { procStatusBytes } from './harness';

const anonymousBytes = () => procStatusBytes('RssAnon') ?? process.memoryUsage().rss;

const [bundleDir, stateDir] = process.argv.slice(2);
const before = anonymousBytes();
const started = performance.now();
const omni = await OmniRuntime.open(bundleDir, { stateDir, providers: [{ name: 'cpu', available: true, reason: 'benchmark on CPU' }], verify: 'size' });
const openMs = performance.now() - started;
const addedBytes = anonymousBytes() - before;
await omni.release();
process.stdout.write(`${JSON.stringify({ openMs, addedBytes })}\n`);
