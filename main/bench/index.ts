/**
 * `npm run bench`: runs every `main/bench/*.bench.ts` (or the ones named on the command line) and prints each
 * measurement with its ratio against the named peer measured in the same run, on the same input. Speed targets
 * live here, never in timed unit tests.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Bench, type BenchResult, formatResult } from './harness';

const here = path.dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((name) => f.startsWith(name)))
  .sort();

const results: BenchResult[] = [];
for (const file of files) {
  const bench = (await import(pathToFileURL(path.join(here, file)).href)).default as Bench;
  process.stderr.write(`bench ${bench.name} …\n`);
  for (const result of await bench.run()) {
    results.push(result);
    process.stdout.write(`${formatResult(result)}\n`);
  }
}
if (results.length === 0) process.stdout.write(`no benchmarks matched ${only.join(', ') || '*.bench.ts'}\n`);
