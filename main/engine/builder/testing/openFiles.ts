/** Test helper (Linux): how many file descriptors of this process are open on files directly in `dir`. */
import { readdirSync, readlinkSync } from 'node:fs';
import path from 'node:path';

export function openFilesIn(dir: string): number {
  let count = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (path.dirname(readlinkSync(`/proc/self/fd/${fd}`)) === dir) count++;
    } catch {
      // Closed between the listing and the look (the listing's own descriptor, for one).
    }
  }
  return count;
}
