/**
 * The download journal: what a staging folder holds, so a download survives a lost network, an app quit, a crash
 * or an app update (LM Studio #1696 lost in-flight downloads on update although the `.part` files were there).
 * Each file is cut into fixed segments and the journal counts, per segment, the bytes already written.
 *
 * Two copies, because "fsync where it matters" depends on what failed:
 * - `journal.json` is durable: the part files are fsynced before the journal that counts their bytes is written,
 *   and it is replaced atomically (temporary file, fsync, rename, fsync of the folder). It survives a power cut.
 *   It is written every few seconds, since each write forces the part files to disk.
 * - `journal.live.json` is written often (temporary file and rename, no fsync). After a process crash — SIGKILL,
 *   an Electron crash — the bytes it counts are in the OS page cache and so in the files; after a reboot they may
 *   not be. It is trusted only when it is newer than the durable copy and was written in the current boot.
 */
import { open, readFile, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

const JournalFileSchema = z.strictObject({
  path: z.string().min(1),
  size: z.number().int().nonnegative(),
  digest: z.strictObject({ algorithm: z.enum(['sha256', 'git-sha1']), hex: z.string().regex(/^[0-9a-f]+$/) }),
  /** Durable bytes written from the start of each segment. */
  done: z.array(z.number().int().nonnegative()),
  /** Set once the whole file matched its digest and sits under its final name; the fingerprint spots later changes. */
  verified: z.strictObject({ size: z.number().int().nonnegative(), mtimeMs: z.number() }).optional(),
});

const JournalSchema = z.strictObject({
  version: z.literal(1),
  repo: z.string(),
  /** What the user asked for (a branch, a tag or a commit). */
  revision: z.string(),
  commit: z.string(),
  endpoint: z.string(),
  segmentBytes: z.number().int().positive(),
  files: z.array(JournalFileSchema),
});

export type JournalFile = z.infer<typeof JournalFileSchema>;
export type Journal = z.infer<typeof JournalSchema>;

const StoredSchema = JournalSchema.extend({ writtenAt: z.number(), bootMs: z.number() });

export const JOURNAL = 'journal.json';
const LIVE_JOURNAL = 'journal.live.json';

/** When this machine booted; two readings in one boot agree to within clock adjustments. */
const bootMs = () => Date.now() - os.uptime() * 1000;
const SAME_BOOT_MS = 60_000;

async function readStored(file: string): Promise<z.infer<typeof StoredSchema> | undefined> {
  try {
    const parsed = StoredSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The freshest journal in `dir` that can be trusted, or undefined when there is none. */
export async function readJournal(dir: string): Promise<Journal | undefined> {
  const durable = await readStored(path.join(dir, JOURNAL));
  const live = await readStored(path.join(dir, LIVE_JOURNAL));
  const liveUsable = live && durable && live.writtenAt > durable.writtenAt && Math.abs(live.bootMs - bootMs()) < SAME_BOOT_MS;
  const chosen = liveUsable ? live : durable;
  if (!chosen) return undefined;
  const { writtenAt: _writtenAt, bootMs: _bootMs, ...journal } = chosen;
  return journal;
}

const stored = (journal: Journal) => JSON.stringify({ ...journal, writtenAt: Date.now(), bootMs: bootMs() });

/** The durable copy; the caller has fsynced every part file whose bytes it counts. */
export async function writeJournal(dir: string, journal: Journal): Promise<void> {
  const target = path.join(dir, JOURNAL);
  const temporary = `${target}.tmp`;
  const file = await open(temporary, 'w');
  try {
    await file.writeFile(stored(journal));
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temporary, target);
  await syncFolder(dir);
}

/** The frequent copy: atomic against a process crash, not against a power cut. */
export async function writeLiveJournal(dir: string, journal: Journal): Promise<void> {
  const target = path.join(dir, LIVE_JOURNAL);
  await writeFile(`${target}.tmp`, stored(journal));
  await rename(`${target}.tmp`, target);
}

/** Makes a rename in `dir` durable; platforms that cannot open a folder (Windows) make renames durable themselves. */
export async function syncFolder(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // EISDIR/EPERM on Windows: nothing to do there.
  } finally {
    await handle?.close();
  }
}

export const segmentCount = (size: number, segmentBytes: number) => Math.max(1, Math.ceil(size / segmentBytes));
export const segmentStart = (index: number, segmentBytes: number) => index * segmentBytes;
export const segmentLength = (index: number, size: number, segmentBytes: number) => Math.max(0, Math.min(segmentBytes, size - index * segmentBytes));
export const bytesDone = (file: JournalFile) => (file.verified ? file.size : file.done.reduce((a, b) => a + b, 0));

/** `<path>.<sha prefix>.part`: a partial never resumes into a file whose upstream content changed. */
export const partName = (file: Pick<JournalFile, 'path' | 'digest'>) => `${file.path}.${file.digest.hex.slice(0, 12)}.part`;
