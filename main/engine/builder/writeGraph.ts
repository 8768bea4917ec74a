/**
 * Writes one graph of a bundle: `<variant>/<name>.onnx` and its external data files (onnx/externalData.ts). The
 * manifest's entries for them come from the bytes as written, never read back.
 */
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ManifestFile } from '../runtime/bundle';
import type { LayerContext } from './graphs/layers/context';
import { BUILDER_VERSION, IR_VERSION, OPSET, type BuiltGraph } from './manifest';
import { writeError, type DataSink, type WrittenFile } from './onnx/externalData';
import { GraphBuilder } from './onnx/graph';

export interface GraphFolder {
  /** The bundle (or the staging folder it is built in). */
  bundleDir: string;
  /** The variant's folder in it, e.g. `cpu-fp32`. */
  variantKey: string;
  /** Opens `<graph>.onnx.data` (with its rollover files). */
  createDataWriter: (file: string) => Promise<DataSink>;
}

export async function writeGraph(folder: GraphFolder, name: string, make: (ctx: LayerContext) => Promise<void>, ctx: Omit<LayerContext, 'g'>): Promise<BuiltGraph> {
  const { bundleDir, variantKey } = folder;
  const file = `${variantKey}/${name}.onnx`;
  const data = await folder.createDataWriter(path.join(bundleDir, variantKey, `${name}.onnx.data`));
  const g = new GraphBuilder(name, data);
  let dataFiles: WrittenFile[];
  try {
    await make({ ...ctx, g });
  } finally {
    dataFiles = await data.close();
  }
  const model = g.toModel({ producerVersion: BUILDER_VERSION, irVersion: IR_VERSION, opset: OPSET });
  const target = path.join(bundleDir, variantKey, `${name}.onnx`);
  await writeFile(target, model).catch((error: NodeJS.ErrnoException) => {
    throw writeError(target, error);
  });
  const written: ManifestFile[] = [
    { path: file, bytes: model.byteLength, sha256: createHash('sha256').update(model).digest('hex'), role: 'graph' },
    ...dataFiles.map((d) => ({ path: `${variantKey}/${path.basename(d.file)}`, bytes: d.bytes, sha256: d.sha256, role: 'weights' as const })),
  ];
  return { name, file, data: written.slice(1).map((d) => d.path), signature: g.signature, written };
}
