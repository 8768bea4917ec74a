/**
 * What this machine offers a model, measured locally and without the network: memory from the OS, free disk by
 * statfs, and GPU memory from nvidia-smi when it answers within a short timeout. Without an answer the VRAM is
 * unknown — not zero — and the estimate says so; other vendors' GPUs are not detected yet. A GPU found counts only
 * where onnxruntime can use it: npm installs onnxruntime-node without its CUDA provider libraries.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import { bindingDirectory, providerLibrariesMissing } from '../../engine/runtime/executionProviders';
import { freeBytes } from '../download/diskSpace';

export interface Machine {
  totalRamBytes: number;
  freeRamBytes: number;
  /** Free space where models are stored. */
  freeDiskBytes: number;
  /** Memory of the largest NVIDIA GPU; undefined when none answered. */
  vramBytes?: number;
  /** Why that GPU cannot run a model here; undefined when it can, or when there is none. */
  gpuUnusable?: string;
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

/** Why onnxruntime cannot use an NVIDIA GPU here (its CUDA provider missing), or undefined when it can. */
export const cudaUnusable = (bindingDir = bindingDirectory(), exists: (file: string) => boolean = existsSync, platform = process.platform) =>
  providerLibrariesMissing('cuda', { platform, bindingDir, exists });

export async function probeMachine(modelsDir: string, vram: VramQuery = NVIDIA_SMI): Promise<Machine> {
  const [freeDiskBytes, vramBytes] = await Promise.all([freeBytes(modelsDir), queryVram(vram)]);
  const gpuUnusable = vramBytes === undefined ? undefined : cudaUnusable();
  return { totalRamBytes: os.totalmem(), freeRamBytes: os.freemem(), freeDiskBytes, vramBytes, ...(gpuUnusable && { gpuUnusable }) };
}
