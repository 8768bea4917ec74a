/**
 * Inference takes every core it can get. Its processes (the engine, a model build) run below normal priority, so
 * the window, the audio threads and the rest of the desktop are scheduled first and a reply streams without
 * stalling the page. Both hosts do it: Electron's utilityProcess launcher and the forked child of the preview
 * server and the tests.
 */
import os from 'node:os';

export type PriorityControl = Pick<typeof os, 'setPriority' | 'constants'>;

/**
 * Lowers `pid` to below-normal priority. Failing to (a sandbox that forbids it, a process already gone) costs
 * only responsiveness, so it is logged and never stops the process from starting.
 */
export function runBelowNormal(pid: number | undefined, name: string, system: PriorityControl = os, log: (line: string) => void = console.warn): void {
  if (pid === undefined) return;
  try {
    system.setPriority(pid, system.constants.priority.PRIORITY_BELOW_NORMAL);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    log(`${name} (pid ${pid}) keeps normal priority: lowering it failed with ${code}`);
  }
}
