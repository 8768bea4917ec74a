/**
 * Deletes a folder so that it disappears at once: renamed aside (a hidden name next to it, same volume) and then
 * removed. A model listing never sees half a bundle or half a checkpoint, even if the removal is interrupted.
 */
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';

export async function removeTree(dir: string): Promise<boolean> {
  const aside = path.join(path.dirname(dir), `.removing-${path.basename(dir)}-${process.pid}-${Date.now()}`);
  try {
    await rename(dir, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  await rm(aside, { recursive: true, force: true });
  return true;
}
