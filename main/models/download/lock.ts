/**
 * One writer per staging folder: the app and the CLI share the data folder, and two processes appending to the same
 * part files would corrupt each other. The lock holds the owner's pid; a lock whose owner is gone (a crash, a
 * SIGKILL) is taken over, which is what makes "kill it, start it again, it resumes" work.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ModelError } from '../errors';

const LOCK = 'lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function acquireLock(dir: string, what: string): Promise<() => Promise<void>> {
  const file = path.join(dir, LOCK);
  for (let tries = 0; ; tries++) {
    try {
      await writeFile(file, String(process.pid), { flag: 'wx' });
      return () => rm(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || tries > 0) throw error;
    }
    const owner = Number((await readFile(file, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(owner) && owner > 0 && alive(owner)) {
      throw new ModelError(
        'DOWNLOAD_BUSY',
        `${what} is already being downloaded by process ${owner}${owner === process.pid ? ' (this one)' : ''}`,
        `Wait for it to finish, or stop it; if no Omnidesk is running, delete ${file}.`,
      );
    }
    await rm(file, { force: true });
  }
}

/** True while some live process holds the lock in `dir`. */
export async function isLocked(dir: string): Promise<boolean> {
  const owner = Number((await readFile(path.join(dir, LOCK), 'utf8').catch(() => '')).trim());
  return Number.isInteger(owner) && owner > 0 && alive(owner);
}
