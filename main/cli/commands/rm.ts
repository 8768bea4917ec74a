/** `omnidesk rm <repo-id>`: removes an installed model — every revision, its bundles and unfinished downloads. */
import type { ParseArgsConfig } from 'node:util';
import { resolveHome } from '../../engine/home';
import { removeModel } from '../../models/remove';
import type { Command } from '../command';
import { formatBytes, UsageError, type Io } from '../output';

export const RM_USAGE = 'omnidesk rm <repo-id> [--home DIR]';

export const rmOptions = { home: { type: 'string' } } as const satisfies NonNullable<ParseArgsConfig['options']>;

export interface RmCommandOptions {
  repo: string;
  home: string;
}

export function rmCommandOptions(values: Record<string, unknown>, positionals: string[]): RmCommandOptions {
  const [repo] = positionals;
  if (!repo) throw new UsageError(`rm: which model? (usage: ${RM_USAGE})`);
  return { repo, home: resolveHome(values.home as string | undefined) };
}

export async function runRm(io: Io, options: RmCommandOptions): Promise<void> {
  const removed = await removeModel(options.home, options.repo);
  const parts = [`${removed.revisions.length} revision(s)`, ...(removed.downloads > 0 ? [`${removed.downloads} unfinished download(s)`] : [])];
  io.out(`Removed ${removed.repo} (${parts.join(', ')}), freed ${formatBytes(removed.freedBytes)}\n`);
}

export const rmCommand: Command = {
  usage: RM_USAGE,
  summary: 'Remove an installed model: every revision, its bundles and unfinished downloads',
  options: rmOptions,
  positionals: 1,
  run: (io, values, positionals) => runRm(io, rmCommandOptions(values, positionals)),
};
