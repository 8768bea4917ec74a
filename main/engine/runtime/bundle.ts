/**
 * The bundle contract (onnx-bundle.md §3) and its loader. `manifest.json` lists every graph, every file with its
 * size and sha256, and the numbers the runtime needs; the loader refuses a bundle from an incompatible builder
 * before reading anything else, then checks every file's size and sha256 — hashing only the files whose
 * verification stamp (verificationStamps.ts) says they changed since they were last hashed in full.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { OmniError } from '../errors';
import { readStamps, sameStamp, stampOf, writeStamps, type FileStamp } from './verificationStamps';

export const BUNDLE_FORMAT = 'omni-onnx-bundle';
export const BUNDLE_FORMAT_VERSION = 1;
export const BUILDER_NAME = 'omnidesk-builder';
/**
 * Builder majors this runtime reads; bundles from any other may differ in what the runtime needs and must be rebuilt.
 * 2 writes Code2Wav only as the split pair, which carries the vocoder's numbers; 1 also wrote the one-pass graph and
 * kept them there (`fromBuilder1`).
 */
export const COMPATIBLE_BUILDER_MAJORS = [1, 2];

const ioSchema = z.object({
  name: z.string(),
  dtype: z.enum(['float32', 'float16', 'bfloat16', 'int64', 'int32', 'int8', 'uint8', 'bool']),
  shape: z.array(z.union([z.string(), z.int()])),
});
export type IoDescription = z.infer<typeof ioSchema>;

const kvSchema = z.object({
  layers: z.int().nonnegative(),
  kvHeads: z.int().positive(),
  headDim: z.int().positive(),
  /** printf-style: `%d` layer, `%s` key|value. */
  pastName: z.string(),
  presentName: z.string(),
});

const graphSchema = z.object({
  /** Per variant: the .onnx and its external data files, relative to the bundle. */
  variant: z.record(z.string(), z.object({ file: z.string(), data: z.array(z.string()) })),
  inputs: z.array(ioSchema),
  outputs: z.array(ioSchema),
});

const thinkerSchema = graphSchema.extend({
  kv: kvSchema,
  extra: z.object({
    hiddenSize: z.int().positive(),
    vocabSize: z.int().positive(),
    /** null for checkpoints without a talker (no accept_hidden_states output). */
    acceptHiddenLayer: z.int().positive().nullable(),
    deepstackLayers: z.int().nonnegative(),
    rope: z.object({ type: z.literal('mrope-interleaved'), section: z.array(z.int().positive()).length(3), theta: z.number().positive() }),
  }),
});

const audioEncoderSchema = graphSchema.extend({
  /** What omni/audioEncoderInputs.ts needs to chunk mel frames and lay out attention windows (qwen3-omni.md §3). */
  extra: z.object({ melBins: z.int().positive(), nWindow: z.int().positive(), nWindowInfer: z.int().positive() }),
});
export type AudioEncoderSettings = z.infer<typeof audioEncoderSchema>['extra'];

const visionEncoderSchema = graphSchema.extend({
  /** What omni/visionEncoderInputs.ts needs for the position-table taps and the 2-D rotary (qwen3-omni.md §5). */
  extra: z.object({
    spatialMergeSize: z.int().positive(),
    numGridPerSide: z.int().positive(),
    headDim: z.int().positive(),
    ropeTheta: z.number().positive(),
  }),
});
export type VisionEncoderSettings = z.infer<typeof visionEncoderSchema>['extra'];

const ropeSchema = z.object({ type: z.literal('mrope-interleaved'), section: z.array(z.int().nonnegative()).length(3), theta: z.number().positive() });

/** The talker-side graphs (qwen3-omni.md §9–10); absent for checkpoints without speech output. */
const talkerProjectionSchema = graphSchema.extend({ extra: z.object({ thinkerHiddenSize: z.int().positive(), hiddenSize: z.int().positive() }) });
const talkerSchema = graphSchema.extend({ kv: kvSchema, extra: z.object({ hiddenSize: z.int().positive(), vocabSize: z.int().positive(), rope: ropeSchema }) });
const codecEmbedSchema = graphSchema.extend({
  /** codes of group 0 index the talker's whole table (control ids included), groups ≥ 1 the codebook. */
  extra: z.object({ numCodeGroups: z.int().positive(), talkerVocabSize: z.int().positive(), codebookSize: z.int().positive() }),
});
const codePredictorSchema = graphSchema.extend({ kv: kvSchema, extra: z.object({ numCodeGroups: z.int().positive(), vocabSize: z.int().positive() }) });
/** The codes a Code2Wav graph reads: `numQuantizers` per frame, each below `codebookSize`. */
const codecShape = { numQuantizers: z.int().positive(), codebookSize: z.int().positive() };
/** waveform samples = samplesPerFrame · frames − lookaheadSamples (1920, 555 for the checkpoint). */
const framingSchema = z.object({ samplesPerFrame: z.int().positive(), lookaheadSamples: z.int().nonnegative() });
/** Builder 1's one-pass Code2Wav; bundles built before the split pair stream with it. */
const code2wavSchema = graphSchema.extend({ extra: framingSchema.extend(codecShape) });
/** Code2Wav split for streaming: the transformer, its cache kept to the last `cachedFrames` positions, then the upsampler. */
const code2wavTransformerSchema = graphSchema.extend({ kv: kvSchema, extra: z.object({ cachedFrames: z.int().nonnegative(), ...codecShape }) });
const code2wavDecoderSchema = graphSchema.extend({ extra: framingSchema });

const manifestSchema = z.object({
  format: z.literal(BUNDLE_FORMAT),
  formatVersion: z.literal(BUNDLE_FORMAT_VERSION),
  model: z.object({ id: z.string().optional(), revision: z.string().optional(), architecture: z.string() }),
  builder: z.object({ name: z.literal(BUILDER_NAME), version: z.string(), createdAt: z.string(), options: z.record(z.string(), z.unknown()) }),
  runtime: z.object({ onnxruntime: z.string(), opsets: z.record(z.string(), z.int()), irVersion: z.int() }),
  variants: z.record(
    z.string(),
    z.object({
      eps: z.array(z.string()).min(1),
      activation: z.enum(['float32', 'float16']),
      weights: z.enum(['float32', 'int4']),
      kv: z.object({ mode: z.enum(['dynamic', 'shared']), dtype: z.enum(['float32', 'float16']) }),
    }),
  ),
  graphs: z.object({
    embed_tokens: graphSchema,
    audio_encoder: audioEncoderSchema,
    vision_encoder: visionEncoderSchema,
    thinker: thinkerSchema,
    talker_proj: talkerProjectionSchema.optional(),
    talker: talkerSchema.optional(),
    codec_embed: codecEmbedSchema.optional(),
    code_predictor: codePredictorSchema.optional(),
    code2wav: code2wavSchema.optional(),
    code2wav_transformer: code2wavTransformerSchema.optional(),
    code2wav_decoder: code2wavDecoderSchema.optional(),
  }),
  files: z.array(
    z.object({
      path: z.string(),
      bytes: z.int().nonnegative(),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
      role: z.enum(['graph', 'weights', 'config', 'tokenizer', 'preprocessing']),
    }),
  ),
  /** Upstream files kept byte-identical, by their upstream name. */
  config: z.record(z.string(), z.string()),
  preprocessing: z.record(z.string(), z.string()),
  tokenizer: z.array(z.string()),
});

export type Manifest = z.infer<typeof manifestSchema>;
export type ManifestFile = Manifest['files'][number];

export interface LoadedBundle {
  dir: string;
  manifest: Manifest;
  /** The variant chosen (the only one, or the one asked for). */
  variant: string;
  /** Absolute path of a graph's .onnx in the chosen variant. */
  graphPath(graph: string): string;
  /** The files this load hashed (new or changed since their stamp); none with `verify: 'size'`. */
  hashedFiles: string[];
}

export interface LoadOptions {
  variant?: string;
  /** 'size' skips the sha256 pass (an explicit opt-out, onnx-bundle.md §3). */
  verify?: 'sha256' | 'size';
}

const corrupt = (dir: string, problem: string, hint = 'Rebuild the bundle with omnidesk build.') =>
  new OmniError('BUNDLE_CORRUPT', `${dir}: ${problem}`, hint);

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** A manifest path stays inside the bundle: relative, POSIX, no `..`. */
function resolveInside(dir: string, relative: string): string {
  if (path.posix.isAbsolute(relative) || path.win32.isAbsolute(relative) || relative.split(/[\\/]/).includes('..')) {
    throw corrupt(dir, `manifest.json lists a path outside the bundle: ${relative}`);
  }
  return path.join(dir, ...relative.split('/'));
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Builder 1 kept the vocoder's numbers on its one-pass `code2wav` entry only. Copied onto a split pair built beside
 * it (the transformer the codes' shape, the decoder the framing), the runtime reads them from one place whichever
 * builder wrote the bundle; a bundle with the one-pass graph alone keeps it as it is.
 */
function fromBuilder1(json: Record<string, unknown>): void {
  const graphs = isRecord(json.graphs) ? json.graphs : {};
  const onePass = isRecord(graphs.code2wav) ? graphs.code2wav.extra : undefined;
  if (!isRecord(onePass)) return;
  const { code2wav_transformer: transformer, code2wav_decoder: decoder } = graphs;
  if (isRecord(transformer)) transformer.extra = { ...(isRecord(transformer.extra) ? transformer.extra : {}), numQuantizers: onePass.numQuantizers, codebookSize: onePass.codebookSize };
  if (isRecord(decoder)) decoder.extra = { samplesPerFrame: onePass.samplesPerFrame, lookaheadSamples: onePass.lookaheadSamples };
}

export async function readManifest(dir: string): Promise<Manifest> {
  const file = path.join(dir, 'manifest.json');
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new OmniError('MODEL_NOT_INSTALLED', `${dir}: no readable manifest.json (${error.code ?? error.message})`, 'Build the bundle with omnidesk build.');
  });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw corrupt(dir, 'manifest.json is not valid JSON');
  }
  // Compatibility first: a future format may not match the schema below, and saying "rebuild" beats a schema error.
  const head = isRecord(json) ? (json as { format?: unknown; formatVersion?: unknown; builder?: { name?: unknown; version?: unknown } }) : {};
  const version = typeof head.builder?.version === 'string' ? head.builder.version : '';
  const major = Number(version.split('.')[0]);
  if (head.format !== BUNDLE_FORMAT || head.formatVersion !== BUNDLE_FORMAT_VERSION || head.builder?.name !== BUILDER_NAME || !COMPATIBLE_BUILDER_MAJORS.includes(major)) {
    throw corrupt(
      dir,
      `built by ${String(head.builder?.name)} ${version || '(no version)'} as ${String(head.format)} v${String(head.formatVersion)}; ` +
        `this runtime reads ${BUNDLE_FORMAT} v${BUNDLE_FORMAT_VERSION} from ${BUILDER_NAME} ${COMPATIBLE_BUILDER_MAJORS.map((m) => `${m}.x`).join(' or ')}`,
      'Rebuild the bundle from the checkpoint with this version: omnidesk build <checkpoint-dir> <bundle-dir>.',
    );
  }
  if (major === 1) fromBuilder1(json as Record<string, unknown>);
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw corrupt(dir, `manifest.json: ${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data;
}

/**
 * Checks every listed file's size and, unless skipped, its sha256 — computed only for files whose stamp does not
 * match, after which the stamps are renewed. Each file is stat'ed before it is hashed, so a file changed while being
 * hashed keeps a stale stamp and is hashed again next time. Returns the files hashed.
 */
async function verifyFiles(dir: string, entries: ManifestFile[], verify: 'sha256' | 'size'): Promise<string[]> {
  const stamps = verify === 'sha256' ? await readStamps(dir) : new Map<string, FileStamp>();
  const renewed = new Map<string, FileStamp>();
  const hashed: string[] = [];
  for (const entry of entries) {
    const file = resolveInside(dir, entry.path);
    const info = await stat(file, { bigint: true }).catch(() => null);
    if (!info?.isFile()) throw corrupt(dir, `${entry.path} is missing`);
    if (info.size !== BigInt(entry.bytes)) throw corrupt(dir, `${entry.path} has ${info.size} bytes, the manifest says ${entry.bytes}`);
    if (verify === 'size') continue;
    const stamp = stampOf(entry, info);
    if (!sameStamp(stamps.get(entry.path), stamp)) {
      const actual = await sha256File(file);
      if (actual !== entry.sha256) throw corrupt(dir, `${entry.path} fails its sha256 check (${actual}, expected ${entry.sha256})`);
      hashed.push(entry.path);
    }
    renewed.set(entry.path, stamp);
  }
  if (hashed.length > 0) await writeStamps(dir, renewed);
  return hashed;
}

export async function loadBundle(dir: string, options: LoadOptions = {}): Promise<LoadedBundle> {
  const manifest = await readManifest(dir);
  const variants = Object.keys(manifest.variants);
  const variant = options.variant ?? variants[0];
  if (!manifest.variants[variant]) {
    throw new OmniError('INVALID_REQUEST', `${dir}: no variant ${variant} (has ${variants.join(', ')})`);
  }
  const listed = new Set(manifest.files.map((f) => f.path));
  for (const [name, graph] of Object.entries(manifest.graphs)) {
    const files = graph.variant[variant];
    if (!files) throw corrupt(dir, `graph ${name} has no ${variant} files`);
    for (const file of [files.file, ...files.data]) if (!listed.has(file)) throw corrupt(dir, `graph ${name}: ${file} is not in files[]`);
  }
  const hashedFiles = await verifyFiles(dir, manifest.files, options.verify ?? 'sha256');
  return {
    dir,
    manifest,
    variant,
    hashedFiles,
    graphPath: (graph) => {
      const files = (manifest.graphs as Record<string, z.infer<typeof graphSchema> | undefined>)[graph]?.variant[variant];
      if (!files) throw new OmniError('INVALID_REQUEST', `${dir}: the bundle has no graph ${graph}`);
      return resolveInside(dir, files.file);
    },
  };
}
