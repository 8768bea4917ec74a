/**
 * A complete Hugging Face cache snapshot as a file list, for offline installs: `refs/<branch>` gives the commit,
 * `snapshots/<commit>/<path>` are links whose target's name is the blob's digest, so every file can still be
 * verified. Entries that are plain files (caches written without symlinks, e.g. on Windows) carry no digest and make
 * the snapshot unusable offline. "Complete" means config.json plus every shard the safetensors index names.
 */
import { lstat, readdir, readFile, readlink, stat } from 'node:fs/promises';
import path from 'node:path';
import type { RemoteFile, Snapshot } from '../hub/hubClient';
import { COMMIT, type RepoId } from '../layout';
import { repoCacheDir } from './locate';

async function walk(dir: string, prefix = ''): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((e) => (e.isDirectory() ? walk(path.join(dir, e.name), `${prefix}${e.name}/`) : Promise.resolve([`${prefix}${e.name}`]))),
  );
  return nested.flat();
}

async function fileOf(snapshotDir: string, relative: string): Promise<RemoteFile | undefined> {
  const entry = path.join(snapshotDir, relative);
  if (!(await lstat(entry)).isSymbolicLink()) return undefined;
  const blobName = path.basename(await readlink(entry));
  const size = (await stat(entry).catch(() => undefined))?.size;
  if (size === undefined) return undefined;
  if (/^[0-9a-f]{64}$/.test(blobName)) return { path: relative, size, digest: { algorithm: 'sha256', hex: blobName } };
  if (/^[0-9a-f]{40}$/.test(blobName)) return { path: relative, size, digest: { algorithm: 'git-sha1', hex: blobName } };
  return undefined;
}

function complete(files: RemoteFile[], index: unknown): boolean {
  const names = new Set(files.map((f) => f.path));
  if (!names.has('config.json')) return false;
  const weightMap = (index as { weight_map?: Record<string, string> } | undefined)?.weight_map;
  return weightMap === undefined || Object.values(weightMap).every((shard) => names.has(shard));
}

export async function snapshotFromHfCache(cacheDirs: string[], repo: RepoId, revision: string): Promise<Snapshot | undefined> {
  for (const cacheDir of cacheDirs) {
    const root = repoCacheDir(cacheDir, repo);
    const commit = COMMIT.test(revision) ? revision : (await readFile(path.join(root, 'refs', revision), 'utf8').catch(() => '')).trim();
    if (!COMMIT.test(commit)) continue;
    const snapshotDir = path.join(root, 'snapshots', commit);
    const names = await walk(snapshotDir).catch(() => undefined);
    if (!names) continue;
    const files = await Promise.all(names.map((n) => fileOf(snapshotDir, n)));
    if (files.some((f) => f === undefined)) continue;
    const listed = files as RemoteFile[];
    const index = await readFile(path.join(snapshotDir, 'model.safetensors.index.json'), 'utf8').then(JSON.parse, () => undefined);
    if (complete(listed, index)) return { repo: repo.id, commit, files: listed };
  }
  return undefined;
}
