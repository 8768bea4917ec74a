/**
 * Test helper: writes a safetensors file by hand, so tests do not trust the reader to define the format, and a
 * small synthetic checkpoint of fp32 tensors for layer-level graph tests.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { openCheckpoint } from '../safetensors';
import { WeightReader } from '../weights';

export interface RawTensor {
  dtype: string;
  shape: number[];
  bytes: Uint8Array;
}

export function writeSafetensors(file: string, tensors: Record<string, RawTensor>): void {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.bytes.byteLength] };
    offset += t.bytes.byteLength;
  }
  const json = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  writeFileSync(file, Buffer.concat([length, json, ...Object.values(tensors).map((t) => Buffer.from(t.bytes))]));
}

export const f32Tensor = (data: Float32Array, shape: number[]): RawTensor => ({
  dtype: 'F32',
  shape,
  bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
});

/** Deterministic values in [−scale, scale). */
export function seeded(n: number, seed: number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    out[i] = (s / 2 ** 31 - 0.5) * 2 * scale;
  }
  return out;
}

/** Writes fp32 tensors to `file` (alone in its folder) and returns a reader over them. */
export async function syntheticWeights(file: string, tensors: Record<string, { data: Float32Array; shape: number[] }>): Promise<WeightReader> {
  writeSafetensors(file, Object.fromEntries(Object.entries(tensors).map(([name, t]) => [name, f32Tensor(t.data, t.shape)])));
  return new WeightReader(await openCheckpoint(path.dirname(file)));
}
