/**
 * Takes files a Hugging Face cache already holds instead of downloading them again. A blob is named by its digest
 * (`blobs/<sha256>` for LFS files, `blobs/<git sha1>` for the rest), so it is found without the network; it is
 * hard-linked into the staging folder (a copy when the cache is on another volume or the filesystem refuses links)
 * and then hashed — in the worker — before it counts: a truncated or bit-rotted cache file is skipped and fetched.
 */
import { copyFile, link, mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { digestMatches, type HashWorker } from '../hash/hashWorker';
import { safeRepoPath, type RepoId } from '../layout';
import { partName, type JournalFile } from '../download/journal';
import { repoCacheDir } from './locate';

export interface ReuseResult {
  files: number;
  bytes: number;
  /** Cache blobs that were there but did not match their name. */
  rejected: string[];
}

async function linkOrCopy(from: string, to: string): Promise<void> {
  await rm(to, { force: true });
  try {
    await link(from, to);
  } catch {
    await copyFile(from, to);
  }
}

/** Fills in verified files of `files` from the caches; returns what it took. */
export async function reuseFromHfCache(options: {
  repo: RepoId;
  files: JournalFile[];
  cacheDirs: string[];
  checkpointRoot: string;
  hasher: HashWorker;
  onFile?: (file: JournalFile) => void;
}): Promise<ReuseResult> {
  const result: ReuseResult = { files: 0, bytes: 0, rejected: [] };
  for (const file of options.files.filter((f) => !f.verified)) {
    for (const cacheDir of options.cacheDirs) {
      const blob = path.join(repoCacheDir(cacheDir, options.repo), 'blobs', file.digest.hex);
      const found = await stat(blob).catch(() => undefined);
      if (!found?.isFile() || found.size !== file.size) continue;
      options.onFile?.(file);
      const target = path.join(options.checkpointRoot, safeRepoPath(file.path));
      await mkdir(path.dirname(target), { recursive: true });
      await linkOrCopy(blob, target);
      const hex = await options.hasher.hashFile(target, file.digest.algorithm, file.size).catch(() => '');
      if (!digestMatches(file.digest, hex)) {
        result.rejected.push(blob);
        await rm(target, { force: true });
        continue;
      }
      const placed = await stat(target);
      file.verified = { size: placed.size, mtimeMs: placed.mtimeMs };
      file.done = [];
      await rm(path.join(options.checkpointRoot, safeRepoPath(partName(file))), { force: true });
      result.files++;
      result.bytes += file.size;
      break;
    }
  }
  return result;
}
