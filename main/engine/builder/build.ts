/**
 * `buildBundle(checkpointDir, bundleDir, { variant })`: a Hugging Face Qwen3-Omni snapshot → an ONNX bundle
 * (onnx-bundle.md). Everything is written into a temporary directory next to `bundleDir` and renamed into place
 * only after the manifest is written and the self-check passed, so a failed or interrupted build (disk full, bad
 * shard, bug) never leaves a bundle that looks complete; the partial output is removed. Weights stream tensor by
 * tensor (or expert stack by expert stack), so peak memory does not grow with the checkpoint.
 */
import { createHash, randomBytes } from 'node:crypto';
import { copyFile, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { OmniError } from '../errors';
import type { Manifest, ManifestFile } from '../runtime/bundle';
import { stampVerified } from '../runtime/verificationStamps';
import { readOmniConfig } from './config';
import { readEncoderConfigs } from './encoderConfig';
import { makeAudioEncoder } from './graphs/audioEncoder';
import { makeCode2Wav } from './graphs/code2wav';
import { makeCode2WavDecoder } from './graphs/code2wavDecoder';
import { makeCode2WavTransformer } from './graphs/code2wavTransformer';
import { makeCodecEmbed } from './graphs/codecEmbed';
import { makeCodePredictor } from './graphs/codePredictor';
import { makeEmbedTokens } from './graphs/embedTokens';
import type { LayerContext, Precision } from './graphs/layers/context';
import { makeTalker } from './graphs/talkerDecoder';
import { makeTalkerProjection } from './graphs/talkerProjection';
import { makeThinker } from './graphs/thinkerDecoder';
import { makeVisionEncoder } from './graphs/visionEncoder';
import { BUILDER_VERSION, createManifest, describeFiles, IR_VERSION, OPSET, VARIANT_KEYS, writeManifest, type BuiltGraph, type VariantName } from './manifest';
import { ExternalDataWriter, writeError, type DataSink, type WrittenFile } from './onnx/externalData';
import { GraphBuilder } from './onnx/graph';
import { ProgressTracker, type BuildProgress } from './progress';
import { openCheckpoint } from './safetensors';
import { selfCheck } from './selfCheck';
import { readSpeechConfig } from './speechConfig';
import { WeightReader } from './weights';

export interface BuildOptions {
  variant: VariantName;
  onProgress?: (progress: BuildProgress) => void;
  /** int4: MatMulNBits block (default 32) and requested QMoE expert block (default 128, onnx-bundle.md §2). */
  blockSize?: number;
  expertBlockSize?: number;
  /** int4: MatMulNBits accuracy_level (default 4: int8 activations on CPU). */
  accuracyLevel?: number;
  /** Recorded in the manifest when known (e.g. from the download). */
  model?: { id?: string; revision?: string };
  /** Replace an existing bundle directory (only after the new one is complete). */
  overwrite?: boolean;
  /** Default true. */
  selfCheck?: boolean;
  /** Largest external data file before rolling over to `<graph>.onnx.data_1`, … (default 4 GB, onnx-bundle.md §7). */
  maxDataFileBytes?: number;
  /** Where initializer bytes go; the default writes `<graph>.onnx.data` (+ rollover). A seam for tests that inject write failures. */
  createDataWriter?: (file: string) => Promise<DataSink>;
}

export interface BuildResult {
  bundleDir: string;
  manifest: Manifest;
}

/** Upstream files copied byte-identical when present (config.json is required and read above). */
const UPSTREAM = {
  config: ['config.json', 'generation_config.json'],
  tokenizer: ['tokenizer.json', 'tokenizer_config.json', 'vocab.json', 'merges.txt', 'special_tokens_map.json', 'added_tokens.json', 'chat_template.jinja', 'chat_template.json'],
  preprocessing: ['preprocessor_config.json', 'video_preprocessor_config.json'],
} as const;

const exists = (file: string) => stat(file).then(() => true, () => false);

/** Checkpoint tensors the graphs read, for progress: the thinker's decoder and head, and its two encoders. */
const BUILT_TENSOR_PREFIXES = ['thinker.model.', 'thinker.lm_head.', 'thinker.audio_tower.', 'thinker.visual.', 'talker.', 'code2wav.'];

/** onnx-bundle.md §1: the encoders keep full-precision weights in every variant (fp32 on CPU), never int4. */
const ENCODER_PRECISION: Precision = { kind: 'fp32' };

function precisionFor(options: BuildOptions): Precision {
  if (options.variant === 'fp32') return { kind: 'fp32' };
  return { kind: 'int4', blockSize: options.blockSize ?? 32, expertBlockSize: options.expertBlockSize ?? 128, accuracyLevel: options.accuracyLevel ?? 4 };
}

export async function buildBundle(checkpointDir: string, bundleDir: string, options: BuildOptions): Promise<BuildResult> {
  if (!(options.variant in VARIANT_KEYS)) throw new OmniError('INVALID_REQUEST', `unknown variant ${String(options.variant)} (fp32 or int4)`);
  const config = await readOmniConfig(checkpointDir);
  const encoders = await readEncoderConfigs(checkpointDir);
  // null for checkpoints without speech output (Thinking/Captioner): no talker-side graphs.
  const speech = await readSpeechConfig(checkpointDir);
  const tensors = await openCheckpoint(checkpointDir);
  if ((await exists(bundleDir)) && !options.overwrite) {
    throw new OmniError('INVALID_REQUEST', `${bundleDir} already exists`, 'Choose a new bundle directory or remove the old bundle first.');
  }
  const precision = precisionFor(options);
  const variantKey = VARIANT_KEYS[options.variant];
  const maxFileBytes = options.maxDataFileBytes ?? 4e9;
  const createDataWriter = options.createDataWriter ?? ((file: string) => ExternalDataWriter.create(file, { maxFileBytes }));
  const staging = path.join(path.dirname(path.resolve(bundleDir)), `.${path.basename(bundleDir)}.partial-${process.pid}-${randomBytes(4).toString('hex')}`);

  let totalBytes = 0;
  for (const [name, info] of tensors) if (BUILT_TENSOR_PREFIXES.some((prefix) => name.startsWith(prefix))) totalBytes += info.byteLength;
  const progress = new ProgressTracker(totalBytes, options.onProgress);
  const weights = new WeightReader(tensors, (bytes) => progress.advance(bytes));

  /** Writes one graph and its data files; the manifest entries come from the bytes as written, not read back. */
  async function writeGraph(name: string, make: (ctx: LayerContext) => Promise<void>, graphPrecision = precision): Promise<BuiltGraph> {
    progress.enter(name);
    const file = `${variantKey}/${name}.onnx`;
    const data = await createDataWriter(path.join(staging, variantKey, `${name}.onnx.data`));
    const g = new GraphBuilder(name, data);
    let dataFiles: WrittenFile[];
    try {
      await make({ g, weights, precision: graphPrecision });
    } finally {
      dataFiles = await data.close();
    }
    const model = g.toModel({ producerVersion: BUILDER_VERSION, irVersion: IR_VERSION, opset: OPSET });
    const target = path.join(staging, variantKey, `${name}.onnx`);
    await writeFile(target, model).catch((error: NodeJS.ErrnoException) => {
      throw writeError(target, error);
    });
    const written: ManifestFile[] = [
      { path: file, bytes: model.byteLength, sha256: createHash('sha256').update(model).digest('hex'), role: 'graph' },
      ...dataFiles.map((d) => ({ path: `${variantKey}/${path.basename(d.file)}`, bytes: d.bytes, sha256: d.sha256, role: 'weights' as const })),
    ];
    return { name, file, data: written.slice(1).map((d) => d.path), signature: g.signature, written };
  }

  try {
    await mkdir(path.join(staging, variantKey), { recursive: true });
    const t = config.thinker;
    const graphs = [
      await writeGraph('embed_tokens', (ctx) => makeEmbedTokens(ctx, 'thinker.model.embed_tokens.weight', t.vocabSize, t.hiddenSize)),
      await writeGraph('audio_encoder', (ctx) => makeAudioEncoder(ctx, encoders.audio), ENCODER_PRECISION),
      await writeGraph('vision_encoder', (ctx) => makeVisionEncoder(ctx, encoders.vision), ENCODER_PRECISION),
      await writeGraph('thinker', (ctx) => makeThinker(ctx, t)),
      // talker_proj, codec_embed, code_predictor and code2wav keep fp32 weights whatever the variant (they say so themselves).
      ...(speech
        ? [
            await writeGraph('talker_proj', (ctx) => makeTalkerProjection(ctx, speech.talker)),
            await writeGraph('talker', (ctx) => makeTalker(ctx, speech.talker)),
            await writeGraph('codec_embed', (ctx) => makeCodecEmbed(ctx, speech)),
            await writeGraph('code_predictor', (ctx) => makeCodePredictor(ctx, speech.codePredictor, speech.talker.numCodeGroups)),
            await writeGraph('code2wav', (ctx) => makeCode2Wav(ctx, speech.code2wav)),
            await writeGraph('code2wav_transformer', (ctx) => makeCode2WavTransformer(ctx, speech.code2wav)),
            await writeGraph('code2wav_decoder', (ctx) => makeCode2WavDecoder(ctx, speech.code2wav)),
          ]
        : []),
    ];

    progress.enter('files');
    const upstream = { config: [] as string[], tokenizer: [] as string[], preprocessing: [] as string[] };
    for (const role of ['config', 'tokenizer', 'preprocessing'] as const) {
      for (const file of UPSTREAM[role]) {
        if (!(await exists(path.join(checkpointDir, file)))) continue;
        await copyFile(path.join(checkpointDir, file), path.join(staging, file)).catch((error: NodeJS.ErrnoException) => {
          throw writeError(path.join(staging, file), error);
        });
        upstream[role].push(file);
      }
    }
    const files = [
      ...graphs.flatMap((g) => g.written),
      ...(await describeFiles(staging, (['config', 'tokenizer', 'preprocessing'] as const).flatMap((role) => upstream[role].map((file) => ({ path: file, role }))))),
    ];
    const manifest = createManifest({ config, encoders, speech, variant: options.variant, precision, model: options.model ?? {}, graphs, files, upstream });
    await writeManifest(staging, manifest).catch((error: NodeJS.ErrnoException) => {
      throw writeError(path.join(staging, 'manifest.json'), error);
    });
    // Every sha256 above was taken from the bytes as written: the first load need not hash them again.
    await stampVerified(staging, files);

    if (options.selfCheck !== false) {
      progress.enter('self-check');
      await selfCheck(staging, manifest, variantKey);
    }

    const previous = `${staging}.previous`;
    const replacing = await exists(bundleDir);
    if (replacing) await rename(bundleDir, previous);
    try {
      await rename(staging, bundleDir);
    } catch (error) {
      if (replacing) await rename(previous, bundleDir);
      throw error;
    }
    if (replacing) await rm(previous, { recursive: true, force: true });
    return { bundleDir, manifest };
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}
