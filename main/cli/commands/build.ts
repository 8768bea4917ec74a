/**
 * `omnidesk build <checkpoint-dir> <bundle-dir> [--variant fp32|int4] [--threads N]`: a Hugging Face snapshot → an
 * ONNX bundle, int4 weights quantised on N threads (default every core but one).
 */
import { buildBundle } from '../../engine/builder/build';
import type { BuildProgress } from '../../engine/builder/progress';
import { defaultThreads } from '../../engine/builder/quantizePool';
import { VARIANTS } from '../../models/catalog/schema';
import type { Command } from '../command';
import { formatBytes, positiveIntegerOption, UsageError, type Io } from '../output';
import { formatDuration, ProgressLine } from '../progressLine';

const USAGE = 'omnidesk build <checkpoint-dir> <bundle-dir> [--variant fp32|int4] [--threads N] [--overwrite]';

function progressText(p: BuildProgress): string {
  const fraction = p.totalBytes > 0 ? p.doneBytes / p.totalBytes : 0;
  const eta = p.etaSeconds === null ? '' : `  ETA ${formatDuration(p.etaSeconds)}`;
  return `Building ${(fraction * 100).toFixed(1).padStart(5)}%  ${formatBytes(p.doneBytes)}/${formatBytes(p.totalBytes)}  ${p.phase}${eta}`;
}

export const buildCommand: Command = {
  usage: USAGE,
  summary: `Convert a Hugging Face Qwen3-Omni snapshot into an ONNX bundle (fp32 reference-exact, or int4); --threads N quantises int4 weights on N threads (default ${defaultThreads()}: every core but one)`,
  options: { variant: { type: 'string', default: 'int4' }, threads: { type: 'string' }, overwrite: { type: 'boolean', default: false } },
  positionals: 2,
  run: async (io: Io, values, [checkpointDir, bundleDir]) => {
    if (!checkpointDir || !bundleDir) throw new UsageError(`build: give the checkpoint and bundle directories (usage: ${USAGE})`);
    const variant = values.variant as string;
    if (!(VARIANTS as readonly string[]).includes(variant)) throw new UsageError(`build: --variant must be one of ${VARIANTS.join(', ')}`);
    const threads = positiveIntegerOption(values.threads, 'build', '--threads');
    const line = new ProgressLine(io, process.stderr.isTTY === true);
    const started = performance.now();
    const result = await buildBundle(checkpointDir, bundleDir, {
      variant: variant as (typeof VARIANTS)[number],
      overwrite: values.overwrite === true,
      threads,
      onProgress: (p) => line.show(progressText(p), p.phase !== 'start' && p.doneBytes === p.totalBytes),
    }).finally(() => line.end());
    const files = result.manifest.files;
    const bytes = files.reduce((sum, f) => sum + f.bytes, 0);
    io.err(`Built and self-checked in ${((performance.now() - started) / 1000).toFixed(1)} s: ${files.length} files, ${formatBytes(bytes)}\n`);
    io.out(`${result.bundleDir}\n`);
  },
};
