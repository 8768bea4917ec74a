/** What this machine and this engine offer: the answer to `system.info` and `omnidesk info`. */
import os from 'node:os';
import type { EngineInfo } from './protocol';
import { detectProviders } from './runtime/executionProviders';

export async function engineInfo(stateDir: string): Promise<EngineInfo> {
  const ort = await import('./runtime/ort');
  return {
    pid: process.pid,
    node: process.versions.node,
    platform: process.platform,
    arch: process.arch,
    cpus: os.availableParallelism(),
    totalMemoryBytes: os.totalmem(),
    onnxruntime: { version: ort.env.versions.node ?? 'unknown' },
    executionProviders: await detectProviders(stateDir),
  };
}
