/**
 * The builder's last step (onnx-bundle.md §4.4 step 5): load every graph of a variant in onnxruntime-node and run a
 * 2-token smoke input built from the manifest, so a graph ORT rejects, or a manifest that disagrees with its graph,
 * fails the build instead of the first chat. Code2Wav's split pair runs as the runtime chains it: the decoder turns
 * the transformer's two frames of output into the waveform the manifest's framing promises.
 *
 * Sessions are created without weight prepacking. Prepacking copies every MatMulNBits and QMoE weight into the
 * kernels' own layout in anonymous memory — 1.5 GiB for the 0.6 GB int4 thinker of the 2 GB bench checkpoint, and
 * in proportion for the real one — so the check, not the conversion, would set the builder's peak memory and grow
 * it with the checkpoint. Unpacked, the kernels read the weights where ORT memory-maps them (the data files are
 * 64 KiB-aligned for that): file pages the OS can drop, of which a 2-token input touches the dense weights and the
 * routed experts only.
 */
import * as ort from '../runtime/ort';
import path from 'node:path';
import { OmniError } from '../errors';
import type { IoDescription, Manifest } from '../runtime/bundle';
import {
  AUDIO_CHUNK_FRAMES,
  AUDIO_CHUNKS,
  AUDIO_TOKENS,
  AUDIO_WINDOW_TOKENS,
  AUDIO_WINDOWS,
  BATCH,
  CODE_GROUPS,
  CODEC_FRAMES,
  HIDDEN_ROWS,
  kvName,
  PAST_SEQUENCE,
  SEQUENCE,
  TEXT_ROWS,
  TOTAL_SEQUENCE,
  VISION_GROUPS,
  VISION_PATCHES,
  VISION_TOKENS,
  WAVEFORM_SAMPLES,
} from './graphs/io';

const SMOKE_DIMS: Record<string, number> = {
  [BATCH]: 1,
  [SEQUENCE]: 2,
  [PAST_SEQUENCE]: 0,
  [TOTAL_SEQUENCE]: 2,
  // Two full mel chunks; one window of two tokens, both at grid row 1 (int64 smoke inputs are ones), so both stay.
  [AUDIO_CHUNKS]: 2,
  [AUDIO_CHUNK_FRAMES]: 100,
  [AUDIO_WINDOWS]: 1,
  [AUDIO_WINDOW_TOKENS]: 2,
  [AUDIO_TOKENS]: 2,
  // One temporal group of one 2×2 block.
  [VISION_GROUPS]: 1,
  [VISION_PATCHES]: 4,
  [VISION_TOKENS]: 1,
  // Two rows to each projection, two codes (groups 1 and 2: int64 smoke inputs are ones), two codec frames.
  [TEXT_ROWS]: 2,
  [HIDDEN_ROWS]: 2,
  [CODE_GROUPS]: 2,
  [CODEC_FRAMES]: 2,
};

/** Inputs that take an output of a graph checked before, as the runtime feeds them. */
const FED_FROM: Record<string, Record<string, { graph: string; output: string }>> = {
  code2wav_decoder: { hidden: { graph: 'code2wav_transformer', output: 'hidden' } },
};

const WITHOUT_PREPACKING: ort.InferenceSession.SessionOptions = { extra: { session: { disable_prepacking: '1' } } };

const failed = (graph: string, problem: string) =>
  new OmniError('INTERNAL', `self-check: ${graph}: ${problem}`, 'The builder produced a graph ONNX Runtime cannot run; report this with the checkpoint name.');

function resolveShape(graph: string, io: IoDescription, dims: Record<string, number>): number[] {
  return io.shape.map((d) => {
    if (typeof d === 'number') return d;
    if (!(d in dims)) throw failed(graph, `${io.name} has an unknown symbolic dimension ${d}`);
    return dims[d];
  });
}

/** Ones for ids and masks (token 1, everything attended), zeros for activations. */
function smokeTensor(graph: string, io: IoDescription): ort.Tensor {
  const dims = resolveShape(graph, io, SMOKE_DIMS);
  const size = dims.reduce((a, b) => a * b, 1);
  if (io.dtype === 'int64') return new ort.Tensor('int64', new BigInt64Array(size).fill(1n), dims);
  if (io.dtype === 'float32') return new ort.Tensor('float32', new Float32Array(size), dims);
  throw failed(graph, `no smoke input for ${io.name} of type ${io.dtype}`);
}

export async function selfCheck(bundleDir: string, manifest: Manifest, variant: string): Promise<void> {
  // Code2Wav's output length follows from its frame count (samplesPerFrame · frames − lookahead).
  const framing = manifest.graphs.code2wav_decoder?.extra;
  const dims = framing ? { ...SMOKE_DIMS, [WAVEFORM_SAMPLES]: SMOKE_DIMS[CODEC_FRAMES] * framing.samplesPerFrame - framing.lookaheadSamples } : SMOKE_DIMS;
  const results = new Map<string, ort.InferenceSession.OnnxValueMapType>();
  for (const [name, graph] of Object.entries(manifest.graphs)) {
    const files = graph.variant[variant];
    const inputs = [...graph.inputs];
    const outputs = [...graph.outputs];
    if ('kv' in graph) {
      const { layers, kvHeads, headDim, pastName, presentName } = graph.kv;
      for (let layer = 0; layer < layers; layer++) {
        for (const which of ['key', 'value'] as const) {
          inputs.push({ name: kvName(pastName, layer, which), dtype: 'float32', shape: [BATCH, kvHeads, PAST_SEQUENCE, headDim] });
          outputs.push({ name: kvName(presentName, layer, which), dtype: 'float32', shape: [BATCH, kvHeads, TOTAL_SEQUENCE, headDim] });
        }
      }
    }
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(path.join(bundleDir, ...files.file.split('/')), WITHOUT_PREPACKING);
    } catch (error) {
      throw failed(name, `ONNX Runtime cannot load it: ${(error as Error).message}`);
    }
    try {
      const declared = inputs.map((io) => io.name).sort();
      const actual = [...session.inputNames].sort();
      if (declared.join() !== actual.join()) throw failed(name, `the manifest declares inputs ${declared.join(', ')} but the graph has ${actual.join(', ')}`);
      const feeds = Object.fromEntries(inputs.map((io) => [io.name, fedFrom(name, io.name, results) ?? smokeTensor(name, io)]));
      const out = await session.run(feeds).catch((error: Error) => {
        throw failed(name, `ONNX Runtime cannot run it: ${error.message}`);
      });
      for (const io of outputs) {
        const tensor = out[io.name];
        if (!tensor) throw failed(name, `output ${io.name} is missing`);
        const expected = resolveShape(name, io, dims);
        if (tensor.dims.join() !== expected.join()) throw failed(name, `output ${io.name} has shape [${tensor.dims.join(', ')}], expected [${expected.join(', ')}]`);
        if (!(tensor.data as Float32Array).every(Number.isFinite)) throw failed(name, `output ${io.name} is not finite`);
      }
      results.set(name, out);
    } finally {
      await session.release();
    }
  }
}

/** The earlier graph's output an input takes (`FED_FROM`), or undefined for a smoke tensor. */
function fedFrom(graph: string, input: string, results: Map<string, ort.InferenceSession.OnnxValueMapType>): ort.Tensor | undefined {
  const source = FED_FROM[graph]?.[input];
  if (!source) return undefined;
  const tensor = results.get(source.graph)?.[source.output];
  if (!tensor) throw failed(graph, `${input} comes from ${source.graph}'s ${source.output}, which was not checked before it`);
  return tensor;
}
