/** Free space where a download is written, from statfs (no shell-out, works on every desktop platform). */
import { statfs } from 'node:fs/promises';
import path from 'node:path';

/** Bytes available to this user on the volume holding `dir`, or its nearest existing parent. */
export async function freeBytes(dir: string): Promise<number> {
  for (let at = path.resolve(dir); ; at = path.dirname(at)) {
    try {
      const s = await statfs(at);
      return s.bavail * s.bsize;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || path.dirname(at) === at) throw error;
    }
  }
}

export const formatGB = (bytes: number) => `${(bytes / 1e9).toFixed(bytes < 1e8 ? 3 : 1)} GB`;
