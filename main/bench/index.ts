/**
 * `npm run bench`: runs every `main/bench/*.bench.ts` (or the ones named on the command line) and prints each
 * measurement with its ratio against the named peer measured in the same run, on the same input. Speed targets
 * live here, never in timed unit tests.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { OmniError } from '../engine/errors';
import { type Bench, type BenchResult, formatResult } from './harness';

const here = path.dirname(fileURLToPath(import.meta.url));
// `npm run bench int4 -- --checkpoint DIR`: names pick benches, the options from the first `--` on go to them.
const args = process.argv.slice(2);
const firstOption = args.findIndex((arg) => arg.startsWith('--'));
const only = firstOption < 0 ? args : args.slice(0, firstOption);
const options = firstOption < 0 ? [] : args.slice(firstOption);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((name) => f.startsWith(name)))
  .sort();

const results: BenchResult[] = [];
for (const file of files) {
  const bench = (await import(pathToFileURL(path.join(here, file)).href)).default as Bench;
  process.stderr.write(`bench ${bench.name} …\n`);
  const measured = await bench.run(options).catch((error: unknown) => {
    // A refused input (bad option, no room on disk) is said in a line, not a stack trace.
    if (!(error instanceof OmniError)) throw error;
    process.stderr.write(`${error.message}\n${error.hint ? `${error.hint}\n` : ''}`);
    process.exit(1);
  });
  for (const result of measured) {
    results.push(result);
    process.stdout.write(`${formatResult(result)}\n`);
  }
}
if (results.length === 0) process.stdout.write(`no benchmarks matched ${only.join(', ') || '*.bench.ts'}\n`);
