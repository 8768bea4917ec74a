/**
 * What this machine offers a model, measured locally and without the network: memory from the OS, free disk by
 * statfs, and GPU memory from nvidia-smi when it answers within a short timeout. Without an answer the VRAM is
 * unknown — not zero — and the estimate says so; other vendors' GPUs are not detected yet.
 */
import { execFile } from 'node:child_process';
import os from 'node:os';
import { freeBytes } from '../download/diskSpace';

export interface Machine {
  totalRamBytes: number;
  freeRamBytes: number;
  /** Free space where models are stored. */
  freeDiskBytes: number;
  /** Memory of the largest NVIDIA GPU; undefined when none answered. */
  vramBytes?: number;
}

export interface VramQuery {
  command: string;
  args: string[];
  timeoutMs: number;
}

export const NVIDIA_SMI: VramQuery = { command: 'nvidia-smi', args: ['--query-gpu=memory.total', '--format=csv,noheader,nounits'], timeoutMs: 2_000 };

const positive = (n: number) => Number.isFinite(n) && n > 0;

/** The largest GPU's memory in bytes (nvidia-smi prints MiB, one line per GPU), or undefined. */
export function queryVram(query: VramQuery = NVIDIA_SMI): Promise<number | undefined> {
  return new Promise((resolve) => {
    execFile(query.command, query.args, { timeout: query.timeoutMs, windowsHide: true }, (error, stdout) => {
      const mib = error ? [] : stdout.split(/\r?\n/).map((line) => Number(line.trim())).filter(positive);
      resolve(mib.length > 0 ? Math.max(...mib) * 1024 * 1024 : undefined);
    });
  });
}

export async function probeMachine(modelsDir: string, vram: VramQuery = NVIDIA_SMI): Promise<Machine> {
  const [freeDiskBytes, vramBytes] = await Promise.all([freeBytes(modelsDir), queryVram(vram)]);
  return { totalRamBytes: os.totalmem(), freeRamBytes: os.freemem(), freeDiskBytes, vramBytes };
}
