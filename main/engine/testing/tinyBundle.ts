/**
 * Test helper: the tiny checkpoint built into an fp32 bundle (a fraction of a second), and the provider statuses of
 * a machine with only the CPU EP, so runtime tests neither probe nor depend on the machine's GPUs.
 */
import path from 'node:path';
import { buildBundle } from '../builder/build';
import type { ExecutionProviderStatus } from '../protocol';
import { TINY_CHECKPOINT_DIR } from './fixtures';

export const CPU_ONLY: ExecutionProviderStatus[] = [{ name: 'cpu', available: true, reason: 'built into every onnxruntime-node build' }];

/** Builds the tiny checkpoint's fp32 bundle into `<parent>/bundle` and returns its directory. */
export async function buildTinyBundle(parent: string): Promise<string> {
  const dir = path.join(parent, 'bundle');
  await buildBundle(TINY_CHECKPOINT_DIR, dir, { variant: 'fp32', selfCheck: false });
  return dir;
}
