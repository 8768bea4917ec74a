/**
 * Verification stamps: a bundle's weights are hashed in full once (when built, or at the first load), and each
 * file's identity at that moment is recorded in `.verified.json` inside the bundle — size, mtime and ctime to the
 * nanosecond, inode and device, with the sha256 it matched. A later load re-hashes only the files whose stamp no
 * longer matches. Rewriting a file in place changes its ctime (which no user-level call can set back, unlike
 * mtime), replacing it changes its inode, truncating it changes its size, and copying the bundle elsewhere changes
 * all of them, so each of those is hashed again. A stamp is only a shortcut: a missing, unreadable or unwritable
 * stamps file means hashing on every load, never skipping it.
 */
import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import type { BigIntStats } from 'node:fs';
import path from 'node:path';

export const STAMPS_FILE = '.verified.json';
const STAMPS_VERSION = 1;

export interface FileStamp {
  /** The manifest's sha256 the file matched when stamped. */
  sha256: string;
  bytes: string;
  mtimeNs: string;
  ctimeNs: string;
  ino: string;
  dev: string;
}

/** What is listed in the manifest and stamped: the path inside the bundle and the expected sha256. */
export interface StampedEntry {
  path: string;
  sha256: string;
}

export function stampOf(entry: StampedEntry, info: BigIntStats): FileStamp {
  return {
    sha256: entry.sha256,
    bytes: String(info.size),
    mtimeNs: String(info.mtimeNs),
    ctimeNs: String(info.ctimeNs),
    ino: String(info.ino),
    dev: String(info.dev),
  };
}

export const sameStamp = (a: FileStamp | undefined, b: FileStamp): boolean =>
  a !== undefined && a.sha256 === b.sha256 && a.bytes === b.bytes && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs && a.ino === b.ino && a.dev === b.dev;

/** The stamps recorded in `dir`, by path; none when the file is missing or not ours. */
export async function readStamps(dir: string): Promise<Map<string, FileStamp>> {
  try {
    const json = JSON.parse(await readFile(path.join(dir, STAMPS_FILE), 'utf8')) as { version?: unknown; files?: Record<string, FileStamp> };
    if (json.version !== STAMPS_VERSION || typeof json.files !== 'object' || json.files === null) return new Map();
    return new Map(Object.entries(json.files));
  } catch {
    return new Map();
  }
}

/**
 * Replaces the stamps file atomically (a reader sees the old or the new one, never half of one). Never fails: in a
 * bundle folder that cannot be written the stamps are simply not kept, and the next load hashes again.
 */
export async function writeStamps(dir: string, stamps: Map<string, FileStamp>): Promise<void> {
  const target = path.join(dir, STAMPS_FILE);
  const temporary = `${target}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, `${JSON.stringify({ version: STAMPS_VERSION, files: Object.fromEntries(stamps) })}\n`);
    await rename(temporary, target);
  } catch {
    await rm(temporary, { force: true }).catch(() => {});
  }
}

/** Stamps files whose sha256 the caller has just established (the builder, from the bytes it wrote). */
export async function stampVerified(dir: string, entries: StampedEntry[]): Promise<void> {
  const stamps = new Map<string, FileStamp>();
  for (const entry of entries) stamps.set(entry.path, stampOf(entry, await stat(path.join(dir, ...entry.path.split('/')), { bigint: true })));
  await writeStamps(dir, stamps);
}
