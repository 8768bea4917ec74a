/** Runs buildChild.ts in its own process, so that the figures it reports are the builder's alone. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { VariantName } from '../engine/builder/manifest';

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

export function buildInChild(checkpoint: string, bundle: string, variant: VariantName): Promise<ChildBuild> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'buildChild.ts'), checkpoint, bundle, variant], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`the build child exited with ${code}`))));
  });
}
