/**
 * int4 against fp32 on a real checkpoint (issue #5's targets): both bundles built from it — after checking the
 * disk holds them — or two already built, then every golden case's request prefilled in both through our processor
 * with the checkpoint's own tokenizer and processor config and each bundle's own encoders (int4Agreement.ts).
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { buildBundle } from '../engine/builder/build';
import type { VariantName } from '../engine/builder/manifest';
import type { BuildProgress } from '../engine/builder/progress';
import { openCheckpoint } from '../engine/builder/safetensors';
import { int4Agreement, processedPrompts, type AgreementOptions, type CaseAgreement } from '../engine/builder/testing/int4Agreement';
import { OmniError } from '../engine/errors';
import { loadBundle, type LoadedBundle, type ManifestFile } from '../engine/runtime/bundle';
import { goldenCaseNames } from '../engine/testing/fixtures';
import { formatDuration } from '../cli/progressLine';
import { formatBytes } from '../cli/output';
import { freeBytes as volumeFreeBytes } from '../models/download/diskSpace';
import { estimateBundleBytes } from './bundleSize';

export interface CompareOptions extends AgreementOptions {
  /** Golden cases to prompt with (default all). */
  caseNames?: readonly string[];
  /** Where notes go (default stderr). */
  log?: (line: string) => void;
}

const stderr = (line: string) => process.stderr.write(`  ${line}\n`);

/** Upstream files (config, tokenizer, processor config) by path and sha256: equal when both come from one checkpoint. */
const upstreamDigest = (files: readonly ManifestFile[]) =>
  files
    .filter((f) => f.role !== 'graph' && f.role !== 'weights')
    .map((f) => `${f.path} ${f.sha256}`)
    .sort()
    .join('\n');

/** The two bundles' agreement over the golden cases; refuses bundles of different checkpoints. */
export async function compareBundles(fp32Dir: string, int4Dir: string, options: CompareOptions = {}): Promise<CaseAgreement[]> {
  const log = options.log ?? stderr;
  log(`verifying ${fp32Dir} and ${int4Dir} (sha256 of every file) …`);
  const [fp32, int4]: LoadedBundle[] = await Promise.all([loadBundle(fp32Dir), loadBundle(int4Dir)]);
  if (upstreamDigest(fp32.manifest.files) !== upstreamDigest(int4.manifest.files)) {
    throw new OmniError(
      'INVALID_REQUEST',
      `--int4 ${int4Dir}: its config, tokenizer or processor files differ from those of --fp32 ${fp32Dir}`,
      'Compare two bundles built from the same checkpoint.',
    );
  }
  const caseNames = options.caseNames ?? goldenCaseNames();
  log(`processing the ${caseNames.length} golden requests with ${fp32Dir}'s tokenizer and processor config …`);
  const prompts = await processedPrompts(fp32.dir, caseNames);
  log(`prefilling ${prompts.reduce((n, p) => n + p.inputIds.length, 0)} positions in ${fp32.variant}, then in ${int4.variant} …`);
  return int4Agreement(fp32, int4, prompts, options);
}

export interface BuildCompareOptions extends CompareOptions {
  /** Where the bundles go: `<out>/fp32`, `<out>/int4`. */
  out: string;
  /** Free bytes on the volume holding a folder; a seam for tests. */
  freeBytes?: (dir: string) => Promise<number>;
}

/** Builds both variants of `checkpointDir` into `out` (refused up front when the disk lacks the room), then compares. */
export async function buildAndCompare(checkpointDir: string, options: BuildCompareOptions): Promise<CaseAgreement[]> {
  const { out } = options;
  const log = options.log ?? stderr;
  const variants: VariantName[] = ['fp32', 'int4'];
  const built = variants.map((variant) => path.join(out, variant)).filter(existsSync);
  if (built.length > 0) {
    throw new OmniError(
      'INVALID_REQUEST',
      `--out ${out}: ${built.join(' and ')} already exist${built.length === 1 ? 's' : ''}`,
      `Compare what is there with --fp32 ${path.join(out, 'fp32')} --int4 ${path.join(out, 'int4')}, or choose another --out.`,
    );
  }
  const tensors = [...(await openCheckpoint(checkpointDir)).values()];
  const needs = variants.map((variant) => estimateBundleBytes(tensors, variant));
  const needed = needs[0] + needs[1];
  const free = await (options.freeBytes ?? volumeFreeBytes)(out);
  log(`the bundles need about ${formatBytes(needed)} (fp32 ${formatBytes(needs[0])}, int4 ${formatBytes(needs[1])}); ${out} has ${formatBytes(free)} free`);
  if (free < needed) {
    throw new OmniError(
      'DISK_FULL',
      `--out ${out}: building the fp32 and int4 bundles needs about ${formatBytes(needed)}, the disk has ${formatBytes(free)} free`,
      'Pass --out on a disk with room, or build the bundles elsewhere (omnidesk build) and pass --fp32 and --int4.',
    );
  }
  await mkdir(out, { recursive: true });
  for (const variant of variants) {
    // The comparison loads every thinker-side graph; the self-check's second load of a 120 GB bundle buys nothing.
    await buildBundle(checkpointDir, path.join(out, variant), { variant, selfCheck: false, onProgress: phaseLogger(variant, log) });
  }
  return compareBundles(path.join(out, 'fp32'), path.join(out, 'int4'), options);
}

/** One line per build phase, with the share of checkpoint bytes read and the ETA. */
function phaseLogger(variant: VariantName, log: (line: string) => void): (p: BuildProgress) => void {
  let phase = '';
  return (p) => {
    if (p.phase === phase) return;
    phase = p.phase;
    const share = p.totalBytes > 0 ? `${((p.doneBytes / p.totalBytes) * 100).toFixed(1)} %` : '';
    log(`building ${variant}: ${p.phase} ${share}${p.etaSeconds === null ? '' : `, ETA ${formatDuration(p.etaSeconds)}`}`);
  };
}
