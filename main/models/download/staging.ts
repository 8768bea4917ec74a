/**
 * The staging folder of one download (`downloads/<org>--<name>--<commit>/`): finding it again for a revision, starting
 * its journal, and re-checking what an earlier run left there. A file the journal calls verified is trusted while its
 * size and mtime are unchanged (re-reading tens of GB on every resume would cost more than it protects); one that
 * changed is hashed again in the worker and fetched again if it no longer matches. A file that reached its final
 * name just before a crash, before the journal could say so, is hashed and adopted rather than fetched again.
 */
import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { digestMatches, type HashWorker } from '../hash/hashWorker';
import type { Snapshot } from '../hub/hubClient';
import { safeRepoPath, stagingPrefix, type RepoId } from '../layout';
import { readJournal, segmentCount, type Journal, type JournalFile } from './journal';

export interface Staging {
  dir: string;
  journal: Journal;
}

export async function findStaging(downloads: string, repo: RepoId, revision: string): Promise<Staging | undefined> {
  const names = await readdir(downloads).catch(() => [] as string[]);
  for (const name of names.filter((n) => n.startsWith(stagingPrefix(repo))).sort()) {
    const dir = path.join(downloads, name);
    const journal = await readJournal(dir);
    if (journal && journal.repo === repo.id && (journal.commit === revision || journal.revision === revision)) return { dir, journal };
  }
  return undefined;
}

export function newJournal(snapshot: Snapshot, revision: string, endpoint: string, segmentBytes: number): Journal {
  return {
    version: 1,
    repo: snapshot.repo,
    revision,
    commit: snapshot.commit,
    endpoint,
    segmentBytes,
    files: snapshot.files.map((f) => ({ path: f.path, size: f.size, digest: f.digest, done: new Array(segmentCount(f.size, segmentBytes)).fill(0) })),
  };
}

/** The journal describes exactly the files of `snapshot`, so its partial files can be resumed. */
export const matchesSnapshot = (journal: Journal, snapshot: Snapshot) =>
  journal.commit === snapshot.commit &&
  journal.files.length === snapshot.files.length &&
  snapshot.files.every((f, i) => journal.files[i].path === f.path && journal.files[i].size === f.size && journal.files[i].digest.hex === f.digest.hex);

async function hashMatches(hasher: HashWorker, file: JournalFile, at: string): Promise<boolean> {
  const hex = await hasher.hashFile(at, file.digest.algorithm, file.size).catch(() => '');
  return digestMatches(file.digest, hex);
}

/** Returns the files that had to be un-verified (changed on disk and no longer matching). */
export async function recheckStaged(journal: Journal, checkpointRoot: string, hasher: HashWorker, onCheck?: (file: JournalFile) => void): Promise<string[]> {
  const invalidated: string[] = [];
  for (const file of journal.files) {
    const final = path.join(checkpointRoot, safeRepoPath(file.path));
    const found = await stat(final).catch(() => undefined);
    if (file.verified && found && found.size === file.verified.size && found.mtimeMs === file.verified.mtimeMs) continue;
    if (!file.verified && !found) continue;
    if (found?.isFile() && found.size === file.size) {
      onCheck?.(file);
      if (await hashMatches(hasher, file, final)) {
        file.verified = { size: found.size, mtimeMs: found.mtimeMs };
        file.done = [];
        continue;
      }
    }
    if (file.verified) invalidated.push(file.path);
    file.verified = undefined;
    file.done = new Array(segmentCount(file.size, journal.segmentBytes)).fill(0);
    await rm(final, { force: true });
  }
  return invalidated;
}
