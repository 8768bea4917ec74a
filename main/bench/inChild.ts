/** Runs the benchmarks' helper scripts (buildChild.ts, openChild.ts) in processes of their own, so that the figures they report are theirs alone. */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { VariantName } from '../engine/builder/manifest';
import { defaultThreads } from '../engine/builder/quantizePool';
import type { Manifest } from '../engine/runtime/bundle';

export interface ChildBuild {
  /** The conversion, up to the self-check. */
  seconds: number;
  /** Checkpoint bytes converted. */
  bytes: number;
  /** Peak resident set of the conversion, and of the whole build with its self-check. */
  peakRssBytes: number;
  peakRssWithSelfCheckBytes: number;
  /** The graph being written when the conversion's peak was reached, and the checkpoint bytes read by then. */
  peakPhase: string;
  peakReadBytes: number;
}

const here = path.dirname(fileURLToPath(import.meta.url));

/** Runs `script` (beside this file) with `args` and resolves the one JSON line it prints. */
function runChild<T>(script: string, args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, script), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`${script} exited with ${code}`))));
  });
}

export const buildInChild = (checkpoint: string, bundle: string, variant: VariantName, threads: number) =>
  runChild<ChildBuild>('buildChild.ts', [checkpoint, bundle, variant, String(threads)]);

/** The quantisation threads a benchmark compares with one: every core but one, as the app builds, and at least two. */
export const BENCH_THREADS = Math.max(2, defaultThreads());

/** Throws unless two bundles hold the same files byte for byte (by their manifests' sha256, taken as written); returns the file count. */
export function assertSameBundles(a: string, b: string): number {
  const files = (bundle: string) => (JSON.parse(readFileSync(path.join(bundle, 'manifest.json'), 'utf8')) as Manifest).files.map((f) => `${f.path} ${f.sha256}`);
  const [first, second] = [files(a), files(b)];
  const differing = first.filter((file, i) => file !== second[i]);
  if (differing.length > 0 || first.length !== second.length) throw new Error(`${a} and ${b} differ: ${differing.join(', ') || 'file lists'}`);
  return first.length;
}

export interface ChildOpen {
  /** Opening the bundle's sessions, prepacking included. */
  openMs: number;
  /** Anonymous memory the open added: what the runtime made of the memory-mapped weights. */
  addedBytes: number;
}

export const openInChild = (bundle: string, stateDir: string) => runChild<ChildOpen>('openChild.ts', [bundle, stateDir]);
