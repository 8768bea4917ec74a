/**
 * `buildBundle(checkpointDir, bundleDir, { variant })`: a Hugging Face Qwen3-Omni snapshot → an ONNX bundle
 * (onnx-bundle.md). Everything is written into a temporary directory next to `bundleDir` and renamed into place
 * only after the manifest is written and the self-check passed, so a failed or interrupted build (disk full, bad
 * shard, bug) never leaves a bundle that looks complete; the partial output is removed. Weights stream tensor by
 * tensor (or expert stack by expert stack), so peak memory does not grow with the checkpoint.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { OmniError } from '../errors';
import type { Manifest } from '../runtime/bundle';
import { stampVerified } from '../runtime/verificationStamps';
import { readOmniConfig } from './config';
import { readEncoderConfigs } from './encoderConfig';
import { planGraphs, plannedTensors } from './graphPlan';
import type { Precision } from './graphs/layers/context';
import { createManifest, describeFiles, VARIANT_KEYS, writeManifest, type BuiltGraph, type VariantName } from './manifest';
import { ExternalDataWriter, writeError, type DataSink } from './onnx/externalData';
import { ProgressTracker, type BuildProgress } from './progress';
import { defaultThreads, QuantisePool } from './quantizePool';
import { openCheckpoint, ShardFiles } from './safetensors';
import { selfCheck } from './selfCheck';
import { readSpeechConfig } from './speechConfig';
import { SLAB_BYTES, WeightReader } from './weights';
import { writeGraph } from './writeGraph';

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
  /**
   * int4: threads that quantise (default every core but one, quantizePool.ts). 1 quantises on the builder's own
   * thread; N ≥ 2 on N worker threads while it reads ahead and writes. The bundle is the same byte for byte.
   */
  threads?: number;
  /** Something the user should know that does not stop the build (default: stderr). */
  onWarning?: (message: string) => void;
  /** Where initializer bytes go; the default writes `<graph>.onnx.data` (+ rollover). A seam for tests that inject write failures. */
  createDataWriter?: (file: string) => Promise<DataSink>;
}

/** Workers that cannot start (an app packaged without the worker's module, say) leave the quantising to this thread. */
async function startQuantisers(threads: number, warn: (message: string) => void): Promise<QuantisePool | undefined> {
  try {
    return await QuantisePool.start(threads);
  } catch (error) {
    warn(`Quantising on one thread: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
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

const FP32: Precision = { kind: 'fp32' };

function precisionFor(options: BuildOptions): Precision {
  if (options.variant === 'fp32') return FP32;
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
  const threads = options.threads ?? defaultThreads();
  if (!Number.isSafeInteger(threads) || threads < 1) throw new OmniError('INVALID_REQUEST', `threads must be a positive whole number, not ${threads}`);
  const precision = precisionFor(options);
  const variantKey = VARIANT_KEYS[options.variant];
  const maxFileBytes = options.maxDataFileBytes ?? 4e9;
  const createDataWriter = options.createDataWriter ?? ((file: string) => ExternalDataWriter.create(file, { maxFileBytes }));
  const staging = path.join(path.dirname(path.resolve(bundleDir)), `.${path.basename(bundleDir)}.partial-${process.pid}-${randomBytes(4).toString('hex')}`);

  const plan = planGraphs(config, encoders, speech);
  const shares = plan.map((graph) => [graph.name, plannedTensors(graph, tensors.values()).reduce((n, t) => n + t.byteLength, 0)] as const);
  const progress = new ProgressTracker(new Map(shares), options.onProgress);
  // Every shard stays open while the graphs read it, closed however the build ends.
  const shards = new ShardFiles();
  const weights = new WeightReader(tensors, (bytes) => progress.read(bytes), SLAB_BYTES, shards);
  const folder = { bundleDir: staging, variantKey, createDataWriter };
  // The fp32 variant quantises nothing; one thread quantises on this one, with no worker.
  const pool = precision.kind === 'int4' && threads > 1 ? await startQuantisers(threads, options.onWarning ?? console.warn) : undefined;

  try {
    await mkdir(path.join(staging, variantKey), { recursive: true });
    const graphs: BuiltGraph[] = [];
    for (const graph of plan) {
      progress.startGraph(graph.name);
      graphs.push(await writeGraph(folder, graph.name, graph.make, { weights, precision: graph.fp32Weights ? FP32 : precision, quantisers: pool }));
      progress.graphWritten();
    }
    // Idle workers hold memory the self-check's sessions can use.
    await pool?.close();
    await shards.close();

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
    await pool?.close();
    await shards.close();
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}
