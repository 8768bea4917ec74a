/**
 * Test helper: emits one graph with a `make*` function into a fresh temporary folder (the `.onnx` and its
 * `.onnx.data`, as build.ts writes them) and opens it with onnxruntime-node on one CPU thread.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from '../../runtime/ort';
import type { LayerContext, Precision } from '../graphs/layers/context';
import { ExternalDataWriter } from '../onnx/externalData';
import { GraphBuilder } from '../onnx/graph';
import type { WeightReader } from '../weights';

export interface BuiltSession {
  session: ort.InferenceSession;
  /** Releases the session and removes the folder. */
  release(): Promise<void>;
}

export async function buildGraphSession(name: string, weights: WeightReader, precision: Precision, make: (ctx: LayerContext) => Promise<void>): Promise<BuiltSession> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `omnidesk-${name}-`));
  const data = await ExternalDataWriter.create(path.join(dir, `${name}.onnx.data`));
  const g = new GraphBuilder(name, data);
  try {
    await make({ g, weights, precision });
  } finally {
    await data.close();
  }
  writeFileSync(path.join(dir, `${name}.onnx`), g.toModel({ producerVersion: 'test' }));
  const session = await ort.InferenceSession.create(path.join(dir, `${name}.onnx`), { intraOpNumThreads: 1 });
  return {
    session,
    release: async () => {
      await session.release();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
