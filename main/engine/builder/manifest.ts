/**
 * Writes `manifest.json` (onnx-bundle.md §3, schema in runtime/bundle.ts): every file with its size and sha256,
 * each graph's I/O as declared in the graph itself, and the numbers the runtime needs copied from config.json, so
 * the runtime reads only the manifest.
 */
import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  BUILDER_NAME,
  BUNDLE_FORMAT,
  BUNDLE_FORMAT_VERSION,
  sha256File,
  type IoDescription,
  type Manifest,
  type ManifestFile,
} from '../runtime/bundle';
import type { OmniConfig } from './config';
import type { EncoderConfigs } from './encoderConfig';
import { code2wavFraming } from './graphs/code2wavDecoder';
import { code2wavCachedFrames } from './graphs/code2wavTransformer';
import type { Precision } from './graphs/layers/context';
import { EIGHT_BIT_LINEARS } from './graphs/layers/linear';
import { PAST_PATTERN, PRESENT_PATTERN } from './graphs/io';
import { qmoeBlockSize } from './moe';
import { DataType, type DataTypeId, type IoSpec } from './onnx/graph';
import type { SpeechConfig } from './speechConfig';

/**
 * Major = what the runtime needs from the graphs and the manifest; runtime/bundle.ts refuses majors it does not know.
 * 2: Code2Wav only as the split pair, which carries the vocoder's numbers (1 also had the one-pass `code2wav`).
 */
export const BUILDER_VERSION = '2.0.0';
export const IR_VERSION = 10;
export const OPSET = 21;

export type VariantName = 'fp32' | 'int4';

/** Directory and manifest key per `--variant`: fp32 activations on CPU, fp32 or int4 weights. */
export const VARIANT_KEYS: Record<VariantName, string> = { fp32: 'cpu-fp32', int4: 'cpu-fp32-int4' };

const DTYPE_NAMES: Record<DataTypeId, IoDescription['dtype']> = {
  [DataType.FLOAT]: 'float32',
  [DataType.FLOAT16]: 'float16',
  [DataType.BFLOAT16]: 'bfloat16',
  [DataType.INT64]: 'int64',
  [DataType.INT32]: 'int32',
  [DataType.UINT8]: 'uint8',
  [DataType.INT8]: 'int8',
  [DataType.BOOL]: 'bool',
};

const describe = (io: IoSpec): IoDescription => ({ name: io.name, dtype: DTYPE_NAMES[io.dataType], shape: io.shape });

export interface BuiltGraph {
  name: string;
  /** Paths relative to the bundle. */
  file: string;
  data: string[];
  signature: { inputs: IoSpec[]; outputs: IoSpec[] };
  /** The .onnx and its data files with the size and sha256 of the bytes written. */
  written: ManifestFile[];
}

export interface ManifestInput {
  config: OmniConfig;
  encoders: EncoderConfigs;
  speech: SpeechConfig | null;
  variant: VariantName;
  precision: Precision;
  model: { id?: string; revision?: string };
  graphs: BuiltGraph[];
  files: ManifestFile[];
  /** Upstream files copied byte-identical, by role. */
  upstream: { config: string[]; tokenizer: string[]; preprocessing: string[] };
}

/** The settings the weights were written with, including the QMoE block actually used (0 = per-row scales). */
function builderOptions({ variant, precision, config, speech }: ManifestInput): Record<string, unknown> {
  if (precision.kind === 'fp32') return { variant, weights: 'float32' };
  const { blockSize, expertBlockSize, accuracyLevel } = precision;
  const moe = config.thinker.moe;
  return {
    variant,
    weights: 'int4',
    // onnx-bundle.md §1: the encoders keep full-precision weights in every variant.
    encoderWeights: 'float32',
    // MatMulNBits with fitted zero points, 8-bit where linear.ts says; QMoE experts symmetric (moe.ts EXPERT_FORMAT).
    linearZeroPoints: true,
    eightBitLinears: EIGHT_BIT_LINEARS,
    expertZeroPoints: false,
    blockSize,
    expertBlockSize,
    ...(moe && { qmoeBlockSize: qmoeBlockSize(expertBlockSize, config.thinker.hiddenSize, moe.intermediateSize) }),
    // Only the talker decoder is int4 on the speech side; its experts have their own width.
    ...(speech?.talker.moe && { talkerQmoeBlockSize: qmoeBlockSize(expertBlockSize, speech.talker.hiddenSize, speech.talker.moe.intermediateSize) }),
    accuracyLevel,
  };
}

const isKv = (io: IoSpec) => /^(past_key_values|present)\.\d+\.(key|value)$/.test(io.name);

/** A graph's manifest entry: its files in the variant and its I/O, KV tensors left to the `kv` naming pattern. */
export function graphEntry(built: BuiltGraph, variantKey: string) {
  return {
    variant: { [variantKey]: { file: built.file, data: built.data } },
    inputs: built.signature.inputs.filter((io) => !isKv(io)).map(describe),
    outputs: built.signature.outputs.filter((io) => !isKv(io)).map(describe),
  };
}

type GraphEntry = (name: string) => ReturnType<typeof graphEntry>;

/** The talker-side graphs and the numbers the talker loop and the vocoder scheduling need (qwen3-omni.md §9–10). */
function speechGraphs(speech: SpeechConfig, graph: GraphEntry) {
  const { talker: t, codePredictor: cp, code2wav: c } = speech;
  const kv = (layers: number, kvHeads: number, headDim: number) => ({ layers, kvHeads, headDim, pastName: PAST_PATTERN, presentName: PRESENT_PATTERN });
  return {
    talker_proj: { ...graph('talker_proj'), extra: { thinkerHiddenSize: t.thinkerHiddenSize, hiddenSize: t.hiddenSize } },
    talker: {
      ...graph('talker'),
      kv: kv(t.numLayers, t.numKvHeads, t.headDim),
      extra: { hiddenSize: t.hiddenSize, vocabSize: t.vocabSize, rope: { type: 'mrope-interleaved' as const, section: t.rope.mropeSection, theta: t.rope.theta } },
    },
    codec_embed: { ...graph('codec_embed'), extra: { numCodeGroups: t.numCodeGroups, talkerVocabSize: t.vocabSize, codebookSize: cp.vocabSize } },
    code_predictor: {
      ...graph('code_predictor'),
      kv: kv(cp.numLayers, cp.numKvHeads, cp.headDim),
      extra: { numCodeGroups: t.numCodeGroups, vocabSize: cp.vocabSize },
    },
    // Code2Wav as the split pair: the codes the transformer reads, the framing of the waveform the decoder writes.
    code2wav_transformer: {
      ...graph('code2wav_transformer'),
      kv: kv(c.numLayers, c.numKvHeads, c.headDim),
      extra: { cachedFrames: code2wavCachedFrames(c), numQuantizers: c.numQuantizers, codebookSize: c.codebookSize },
    },
    code2wav_decoder: { ...graph('code2wav_decoder'), extra: code2wavFraming(c) },
  };
}

export function createManifest(input: ManifestInput): Manifest {
  const { config, encoders, speech, variant, precision } = input;
  const key = VARIANT_KEYS[variant];
  const t = config.thinker;
  const byName = new Map(input.graphs.map((g) => [g.name, g]));
  const graph: GraphEntry = (name) => {
    const built = byName.get(name);
    if (!built) throw new Error(`createManifest: graph ${name} was not built`);
    return graphEntry(built, key);
  };
  return {
    format: BUNDLE_FORMAT,
    formatVersion: BUNDLE_FORMAT_VERSION,
    model: { ...input.model, architecture: config.architecture },
    builder: { name: BUILDER_NAME, version: BUILDER_VERSION, createdAt: new Date().toISOString(), options: builderOptions(input) },
    runtime: { onnxruntime: '>=1.30.0 <1.31', opsets: { '': OPSET, 'com.microsoft': 1 }, irVersion: IR_VERSION },
    variants: {
      [key]: { eps: ['cpu'], activation: 'float32', weights: precision.kind === 'fp32' ? 'float32' : 'int4', kv: { mode: 'dynamic', dtype: 'float32' } },
    },
    graphs: {
      embed_tokens: graph('embed_tokens'),
      audio_encoder: {
        ...graph('audio_encoder'),
        extra: { melBins: encoders.audio.melBins, nWindow: encoders.audio.nWindow, nWindowInfer: encoders.audio.nWindowInfer },
      },
      vision_encoder: {
        ...graph('vision_encoder'),
        extra: {
          spatialMergeSize: encoders.vision.spatialMergeSize,
          numGridPerSide: encoders.vision.numGridPerSide,
          headDim: encoders.vision.hiddenSize / encoders.vision.numHeads,
          ropeTheta: encoders.vision.ropeTheta,
        },
      },
      thinker: {
        ...graph('thinker'),
        kv: {
          layers: t.numLayers,
          kvHeads: t.numKvHeads,
          headDim: t.headDim,
          pastName: PAST_PATTERN,
          presentName: PRESENT_PATTERN,
        },
        extra: {
          hiddenSize: t.hiddenSize,
          vocabSize: t.vocabSize,
          acceptHiddenLayer: t.acceptHiddenLayer,
          deepstackLayers: t.deepstackLayers,
          rope: { type: 'mrope-interleaved', section: t.rope.mropeSection, theta: t.rope.theta },
        },
      },
      ...(speech && speechGraphs(speech, graph)),
    },
    files: input.files,
    config: Object.fromEntries(input.upstream.config.map((f) => [f, f])),
    preprocessing: Object.fromEntries(input.upstream.preprocessing.map((f) => [f, f])),
    tokenizer: input.upstream.tokenizer,
  };
}

/** Size and streamed sha256 of each file read back from disk (paths relative to `dir`, POSIX): for the files the builder copies rather than writes. */
export async function describeFiles(dir: string, files: { path: string; role: ManifestFile['role'] }[]): Promise<ManifestFile[]> {
  const described: ManifestFile[] = [];
  for (const file of files) {
    const absolute = path.join(dir, ...file.path.split('/'));
    described.push({ path: file.path, bytes: (await stat(absolute)).size, sha256: await sha256File(absolute), role: file.role });
  }
  return described;
}

export async function writeManifest(dir: string, manifest: Manifest): Promise<void> {
  await writeFile(path.join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}
