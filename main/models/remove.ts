/**
 * `rm`: removes every installed revision of a model (checkpoints and bundles) and any unfinished download of it.
 * A Hugging Face cache is never touched; files hard-linked from it free no space here, and the result says so by
 * counting only bytes whose last link goes away.
 */
import { lstat, readdir, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { homePaths } from '../engine/home';
import { ModelError } from './errors';
import { isLocked } from './download/lock';
import { modelDir, parseRepoId, stagingPrefix } from './layout';
import { removeTree } from './removeTree';

export interface RemoveResult {
  repo: string;
  /** Revisions (commits) whose checkpoint or bundles were removed. */
  revisions: string[];
  /** Unfinished downloads removed. */
  downloads: number;
  /** Bytes actually freed: files still linked elsewhere (a Hugging Face cache) are not counted. */
  freedBytes: number;
}

async function freedBy(dir: string): Promise<number> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  let total = 0;
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) total += await freedBy(full);
    else {
      const info = await lstat(full);
      if (info.nlink <= 1) total += info.size;
    }
  }
  return total;
}

export async function removeModel(home: string, id: string): Promise<RemoveResult> {
  const repo = parseRepoId(id);
  const { models, downloads } = homePaths(home);
  const dir = modelDir(models, repo);
  const revisions = (await readdir(dir).catch(() => [] as string[])).filter((name) => !name.startsWith('.'));
  const stagings = (await readdir(downloads).catch(() => [] as string[])).filter((name) => name.startsWith(stagingPrefix(repo))).map((name) => path.join(downloads, name));
  if (revisions.length === 0 && stagings.length === 0) {
    throw new ModelError('MODEL_NOT_INSTALLED', `${repo.id} is not installed in ${home}`, 'Run "omnidesk models" to see what is installed.');
  }
  for (const staging of stagings) {
    if (await isLocked(staging)) {
      throw new ModelError('DOWNLOAD_BUSY', `${repo.id} is being downloaded right now`, 'Cancel that download first (or wait for it to finish), then remove the model.');
    }
  }
  let freedBytes = 0;
  for (const target of [dir, ...stagings]) {
    freedBytes += await freedBy(target);
    await removeTree(target);
  }
  await rmdir(path.dirname(dir)).catch(() => undefined);
  return { repo: repo.id, revisions: revisions.sort(), downloads: stagings.length, freedBytes };
}
