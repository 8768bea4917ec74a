/**
 * Test and bench helper: fp32 bundles laid out as builder 1 wrote them, so the runtime's paths for bundles already
 * on users' disks stay tested now that the builder writes Code2Wav only as the split pair. It builds the checkpoint's
 * bundle, adds the one-pass `code2wav` graph (graphs/code2wav.ts) with the vocoder's numbers on its entry, and then
 * - `one-pass`: removes the split pair, as in bundles built before it existed;
 * - `one-pass+split`: keeps the pair, its entries without those numbers (the transformer's `cachedFrames` only).
 * The manifest names builder 1.0.0 and lists the new graph's files with their sizes and sha256.
 */
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readManifest } from '../../runtime/bundle';
import { stampVerified } from '../../runtime/verificationStamps';
import { buildBundle } from '../build';
import { makeCode2Wav } from '../graphs/code2wav';
import { graphEntry, VARIANT_KEYS } from '../manifest';
import { ExternalDataWriter } from '../onnx/externalData';
import { openCheckpoint } from '../safetensors';
import { readSpeechConfig } from '../speechConfig';
import { WeightReader } from '../weights';
import { writeGraph } from '../writeGraph';

export type Builder1Layout = 'one-pass' | 'one-pass+split';

export async function buildBuilder1Bundle(checkpointDir: string, bundleDir: string, layout: Builder1Layout): Promise<void> {
  await buildBundle(checkpointDir, bundleDir, { variant: 'fp32', selfCheck: false });
  const speech = await readSpeechConfig(checkpointDir);
  if (!speech) throw new Error(`${checkpointDir} has no speech output: no Code2Wav to lay out`);
  const variantKey = VARIANT_KEYS.fp32;
  const weights = new WeightReader(await openCheckpoint(checkpointDir));
  const folder = { bundleDir, variantKey, createDataWriter: (file: string) => ExternalDataWriter.create(file) };
  const onePass = await writeGraph(folder, 'code2wav', (ctx) => makeCode2Wav(ctx, speech.code2wav), { weights, precision: { kind: 'fp32' } });

  const manifest = await readManifest(bundleDir);
  const { code2wav_transformer: transformer, code2wav_decoder: decoder, ...graphs } = manifest.graphs;
  if (!transformer || !decoder) throw new Error(`${bundleDir} has no Code2Wav split pair`);
  const { cachedFrames, numQuantizers, codebookSize } = transformer.extra;
  const code2wav = { ...graphEntry(onePass, variantKey), extra: { numQuantizers, codebookSize, ...decoder.extra } };
  const splitFiles = new Set([transformer, decoder].flatMap((graph) => [graph.variant[variantKey].file, ...graph.variant[variantKey].data]));
  const keptFiles = layout === 'one-pass' ? manifest.files.filter((file) => !splitFiles.has(file.path)) : manifest.files;
  if (layout === 'one-pass') await Promise.all([...splitFiles].map((file) => rm(path.join(bundleDir, file))));
  const { extra: _framing, ...decoderEntry } = decoder;
  const split = { code2wav_transformer: { ...transformer, extra: { cachedFrames } }, code2wav_decoder: decoderEntry };
  const builder1 = {
    ...manifest,
    builder: { ...manifest.builder, version: '1.0.0' },
    graphs: { ...graphs, code2wav, ...(layout === 'one-pass+split' && split) },
    files: [...keptFiles, ...onePass.written],
  };
  await writeFile(path.join(bundleDir, 'manifest.json'), `${JSON.stringify(builder1, null, 2)}\n`);
  await stampVerified(bundleDir, builder1.files);
}
