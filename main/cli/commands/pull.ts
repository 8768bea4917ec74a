/**
 * `omnidesk pull <repo-id>`: the fit estimate first (before any byte is fetched), then a resumable, verified download
 * with one progress line on stderr, then the build step. The installed path goes to stdout. Ctrl-C pauses: the
 * journal is committed and the same command resumes.
 */
import type { ParseArgsConfig } from 'node:util';
import { homePaths, resolveHome } from '../../engine/home';
import { bundledCatalog, findEntry } from '../../models/catalog/catalog';
import { VARIANTS, type Catalog, type VariantName } from '../../models/catalog/schema';
import { buildVariant, type BundleBuilder } from '../../models/build/postDownload';
import { onnxBundleBuilder } from '../../models/build/onnxBuilder';
import type { DownloadProgress } from '../../models/download/downloadJob';
import { ModelError } from '../../models/errors';
import { fitAll } from '../../models/fit/estimate';
import { probeMachine, type Machine } from '../../models/fit/machine';
import { hfCacheDirs } from '../../models/hfCache/locate';
import { offlineFromEnv, resolveEndpoint } from '../../models/hub/endpoint';
import { ModelPull, type PullEvent, type PullOptions } from '../../models/pull';
import { EnvTokenStore } from '../../models/token/tokenStore';
import type { Command } from '../command';
import { formatDuration, ProgressLine } from '../progressLine';
import { formatBytes, UsageError, type Io } from '../output';

export const PULL_USAGE =
  'omnidesk pull <repo-id> [--revision R] [--endpoint URL] [--variant fp32|int4] [--no-build] [--delete-checkpoint] [--offline] [--limit-rate N[K|M|G]] [--home DIR]';

export const pullOptions = {
  home: { type: 'string' },
  revision: { type: 'string' },
  endpoint: { type: 'string' },
  variant: { type: 'string' },
  'no-build': { type: 'boolean', default: false },
  'delete-checkpoint': { type: 'boolean', default: false },
  offline: { type: 'boolean', default: false },
  'limit-rate': { type: 'string' },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

export interface PullCommandOptions {
  repo: string;
  home: string;
  revision?: string;
  endpoint?: string;
  variant: VariantName;
  build: boolean;
  keepCheckpoint: boolean;
  offline: boolean;
  bytesPerSecond?: number;
  /** Builds the variant after the download; the ONNX bundle builder unless a test plugs in another. */
  builder?: BundleBuilder;
  /** Injected by tests; the defaults are the real ones. */
  env?: NodeJS.ProcessEnv;
  catalog?: Catalog;
  machine?: Machine;
  tty?: boolean;
  pullTuning?: PullOptions['tuning'];
  hfCacheDirs?: string[];
}

function parseRate(text: string): number {
  const match = /^(\d+(?:\.\d+)?)([KMG]?)(?:B(?:\/s)?)?$/i.exec(text.trim());
  if (!match) throw new UsageError(`pull: --limit-rate "${text}" is not a rate (e.g. 500K, 20M, 1G bytes per second)`);
  return Number(match[1]) * { '': 1, K: 1e3, M: 1e6, G: 1e9 }[match[2].toUpperCase() as '' | 'K' | 'M' | 'G'];
}

/** From parsed arguments to typed options; usage errors name the flag. */
export function pullCommandOptions(values: Record<string, unknown>, positionals: string[]): PullCommandOptions {
  const [repo] = positionals;
  if (!repo) throw new UsageError(`pull: which model? (usage: ${PULL_USAGE})`);
  const variant = (values.variant as string | undefined) ?? 'int4';
  if (!(VARIANTS as readonly string[]).includes(variant)) throw new UsageError(`pull: --variant must be one of ${VARIANTS.join(', ')}`);
  return {
    repo,
    home: resolveHome(values.home as string | undefined),
    revision: values.revision as string | undefined,
    endpoint: values.endpoint as string | undefined,
    variant: variant as VariantName,
    build: values['no-build'] !== true,
    keepCheckpoint: values['delete-checkpoint'] !== true,
    offline: values.offline === true,
    bytesPerSecond: typeof values['limit-rate'] === 'string' ? parseRate(values['limit-rate']) : undefined,
  };
}

function downloadLine(p: DownloadProgress): string {
  const fraction = p.bytesTotal > 0 ? p.bytesDone / p.bytesTotal : 1;
  const filled = Math.round(fraction * 20);
  const eta = p.bytesDone >= p.bytesTotal ? 'done' : p.etaSeconds === undefined ? 'stalled' : `ETA ${formatDuration(p.etaSeconds)}`;
  return `Downloading ${(fraction * 100).toFixed(1).padStart(5)}% [${'#'.repeat(filled)}${'.'.repeat(20 - filled)}] ${formatBytes(p.bytesDone)}/${formatBytes(p.bytesTotal)}  ${formatBytes(p.bytesPerSecond)}/s  ${eta}`;
}

function eventLine(event: PullEvent): { text: string; force: boolean } {
  switch (event.phase) {
    case 'resolving':
      return { text: `Listing the files of revision ${event.revision}…`, force: true };
    case 'checking':
      return { text: `Verifying ${event.file} (${formatBytes(event.bytes)}) already on this machine…`, force: true };
    case 'downloading':
      return { text: downloadLine(event.progress), force: event.progress.bytesDone === event.progress.bytesTotal };
    case 'installing':
      return { text: 'Installing…', force: true };
  }
}

function printFit(io: Io, options: PullCommandOptions, catalog: Catalog, machine: Machine | undefined, revision: string): void {
  const entry = findEntry(catalog, options.repo);
  if (!entry || !machine) {
    io.err(`${options.repo} @ ${revision}: not in the catalog, so no size or fit estimate before its files are listed.\n`);
    return;
  }
  io.err(`${entry.id} @ ${revision} — download ${formatBytes(entry.downloadBytes)}, ${entry.license}${entry.speech ? '' : ', text replies only'}\n`);
  io.err(`This machine: RAM ${formatBytes(machine.totalRamBytes)} (${formatBytes(machine.freeRamBytes)} free), disk ${formatBytes(machine.freeDiskBytes)} free, GPU ${machine.vramBytes === undefined ? 'not detected' : `${formatBytes(machine.vramBytes)}${machine.gpuUnusable ? ` (not used: ${machine.gpuUnusable})` : ''}`}\n`);
  for (const fit of fitAll(entry, machine)) {
    const mark = fit.variant === options.variant ? '*' : ' ';
    const needs = `disk ${formatBytes(fit.needs.diskBytes)}, RAM ${formatBytes(fit.needs.ramBytes)}, VRAM ${formatBytes(fit.needs.vramBytes)}`;
    io.err(` ${mark} ${fit.variant.padEnd(5)} ${fit.verdict.padEnd(19)} needs ${needs} — ${fit.reasons.join('; ')}\n`);
  }
}

export async function runPull(io: Io, options: PullCommandOptions): Promise<void> {
  const env = options.env ?? process.env;
  const catalog = options.catalog ?? bundledCatalog();
  const entry = findEntry(catalog, options.repo);
  const revision = options.revision ?? entry?.revision ?? 'main';
  const offline = options.offline || offlineFromEnv(env);
  const paths = homePaths(options.home);
  const machine = options.machine ?? (entry ? await probeMachine(paths.models) : undefined);
  printFit(io, options, catalog, machine, revision);

  const line = new ProgressLine(io, options.tty ?? process.stderr.isTTY === true);
  const pull = new ModelPull({
    repo: entry?.id ?? options.repo,
    revision,
    home: options.home,
    access: { endpoint: resolveEndpoint(options.endpoint, env), token: await new EnvTokenStore(env).get() },
    offline,
    hfCacheDirs: options.hfCacheDirs ?? hfCacheDirs(env),
    tuning: { ...options.pullTuning, ...(options.bytesPerSecond ? { bytesPerSecond: options.bytesPerSecond } : {}) },
    onEvent: (event) => {
      const { text, force } = eventLine(event);
      line.show(text, force);
    },
  });
  let stopPaused: (error: Error) => void = () => undefined;
  const paused = new Promise<never>((_, reject) => (stopPaused = reject));
  const onInterrupt = () =>
    void pull.pause().then(() => stopPaused(new ModelError('CANCELLED', `Paused the download of ${options.repo}`, 'Run the same command again to resume; nothing fetched is lost.')));
  process.once('SIGINT', onInterrupt);
  let result;
  try {
    result = await Promise.race([pull.run(), paused]);
  } finally {
    process.off('SIGINT', onInterrupt);
    line.end();
  }
  io.err(
    result.alreadyInstalled
      ? `${result.repo} @ ${result.commit} is already installed.\n`
      : `Installed ${result.repo} @ ${result.commit}${result.reusedBytes > 0 ? ` (${formatBytes(result.reusedBytes)} taken from the Hugging Face cache)` : ''}.\n`,
  );
  io.out(`${result.checkpointDir}\n`);
  if (!options.build) return;
  const built = await buildVariant({
    builder: options.builder ?? onnxBundleBuilder,
    checkpointDir: result.checkpointDir,
    model: { id: result.repo, revision: result.commit },
    variant: options.variant,
    keepCheckpoint: options.keepCheckpoint,
    onProgress: (p) => line.show(`Building ${options.variant} ${(p.fraction * 100).toFixed(0).padStart(3)}%  ${p.stage}`, p.fraction === 1),
  }).finally(() => line.end());
  io.out(`${built.bundleDir}\n`);
}

export const pullCommand: Command = {
  usage: PULL_USAGE,
  summary: 'Download a model from the Hugging Face Hub (fit estimate first; resumable, verified), then build a variant',
  options: pullOptions,
  positionals: 1,
  run: (io, values, positionals) => runPull(io, pullCommandOptions(values, positionals)),
};
