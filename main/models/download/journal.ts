/**
 * The download journal: what a staging folder holds, so a download survives a lost network, an app quit, a crash
 * or an app update (LM Studio #1696 lost in-flight downloads on update although the `.part` files were there).
 * Each file is cut into fixed segments and the journal counts, per segment, the bytes already written *and
 * fsynced* — the part files are synced before the journal that counts them is written, so after a crash the counts
 * never overstate what is on disk. The journal itself is replaced atomically (temporary file, fsync, rename, fsync
 * of the folder), so a reader sees the old or the new one, never a torn one.
 */
import { open, readFile, rename } from 'node:fs/promises';
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

export const JOURNAL = 'journal.json';

/** The journal in `dir`, or undefined when there is none or it cannot be trusted. */
export async function readJournal(dir: string): Promise<Journal | undefined> {
  try {
    const parsed = JournalSchema.safeParse(JSON.parse(await readFile(path.join(dir, JOURNAL), 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export async function writeJournal(dir: string, journal: Journal): Promise<void> {
  const target = path.join(dir, JOURNAL);
  const temporary = `${target}.tmp`;
  const file = await open(temporary, 'w');
  try {
    await file.writeFile(JSON.stringify(journal));
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temporary, target);
  await syncFolder(dir);
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
