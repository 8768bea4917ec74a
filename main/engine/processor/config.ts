/**
 * The checkpoint's own settings for the processor and the rope index (qwen3-omni.md §1): `config.json` and
 * `preprocessor_config.json`, validated with zod. Class defaults are never filled in for values the model depends
 * on — several of them are stale Qwen2.5-Omni leftovers (§1.2) — so a missing key is an error naming the file and
 * the field.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { OmniError } from '../errors';

function expected(kind: string) {
  return { error: (issue: { input?: unknown }) => (issue.input === undefined ? `missing (expected ${kind})` : `expected ${kind}`) };
}
const int = () => z.int(expected('integer'));
const positiveInt = () => z.int(expected('integer')).positive({ error: 'expected a positive integer' });
const num = () => z.number(expected('number'));
const bool = () => z.boolean(expected('boolean'));
const obj = <T extends z.ZodRawShape>(shape: T) => z.object(shape, expected('object'));

/** The ids and settings `get_rope_index` reads from the thinker or the talker config (§7.1). */
export interface RopeConfig {
  imageTokenId: number;
  videoTokenId: number;
  audioTokenId: number;
  visionStartTokenId: number;
  audioStartTokenId: number;
  positionIdPerSeconds: number;
  spatialMergeSize: number;
}

export interface ModelConfig {
  thinker: RopeConfig;
  /** The thinker's `max_position_embeddings`: no prompt may be longer. */
  maxPositionEmbeddings: number;
  /** Absent for the Thinking/Captioner checkpoints, which cannot speak. */
  talker?: RopeConfig;
}

const ropeShape = {
  image_token_id: int(),
  video_token_id: int(),
  audio_token_id: int(),
  vision_start_token_id: int(),
  audio_start_token_id: int(),
  position_id_per_seconds: num(),
};

const configSchema = obj({
  thinker_config: obj({
    ...ropeShape,
    text_config: obj({ max_position_embeddings: positiveInt() }),
    vision_config: obj({ spatial_merge_size: positiveInt() }),
    audio_config: obj({
      // The processor counts audio tokens with n_window 50 whatever the config says (processing_qwen3_omni_moe.py
      // audio_kwargs default), while the encoder and the rope index use the config: they only agree at 50.
      n_window: z.literal(50, { error: 'expected 50 (the audio token count of the processor assumes 100-frame chunks)' }),
    }),
  }),
  talker_config: obj({ ...ropeShape, spatial_merge_size: positiveInt() }).optional(),
});

type RopeJson = { [K in keyof typeof ropeShape]: number };

function ropeConfig(json: RopeJson, spatialMergeSize: number): RopeConfig {
  return {
    imageTokenId: json.image_token_id,
    videoTokenId: json.video_token_id,
    audioTokenId: json.audio_token_id,
    visionStartTokenId: json.vision_start_token_id,
    audioStartTokenId: json.audio_start_token_id,
    positionIdPerSeconds: json.position_id_per_seconds,
    spatialMergeSize,
  };
}

export function parseModelConfig(json: unknown, file = 'config.json'): ModelConfig {
  const c = validate(configSchema, json, file);
  const t = c.thinker_config;
  return {
    thinker: ropeConfig(t, t.vision_config.spatial_merge_size),
    maxPositionEmbeddings: t.text_config.max_position_embeddings,
    ...(c.talker_config && { talker: ropeConfig(c.talker_config, c.talker_config.spatial_merge_size) }),
  };
}

/** WhisperFeatureExtractor settings as transformers holds them after loading (§1.6). */
export interface FeatureExtractorConfig {
  featureSize: number;
  samplingRate: number;
  hopLength: number;
  nFft: number;
  paddingValue: number;
  dither: number;
  returnAttentionMask: boolean;
  chunkLength: number;
  /** `chunk_length · sampling_rate`: the file's `n_samples` is overwritten on load. Unused: 5.x never truncates. */
  nSamples: number;
  nbMaxFrames: number;
}

/** Qwen2VLImageProcessor settings; the video processor is built from the same file (§1.6). */
export interface ImageProcessorConfig {
  patchSize: number;
  temporalPatchSize: number;
  mergeSize: number;
  minPixels: number;
  maxPixels: number;
  imageMean: [number, number, number];
  imageStd: [number, number, number];
  rescaleFactor: number;
  doResize: boolean;
  doRescale: boolean;
  doNormalize: boolean;
  doConvertRgb: boolean;
  /** PIL resampling filter id (3 = bicubic). */
  resample: number;
}

export interface PreprocessorConfig {
  featureExtractor: FeatureExtractorConfig;
  imageProcessor: ImageProcessorConfig;
}

const rgb = () => z.tuple([num(), num(), num()], expected('[r, g, b]'));

const preprocessorSchema = obj({
  feature_size: positiveInt(),
  sampling_rate: positiveInt(),
  hop_length: positiveInt(),
  n_fft: positiveInt(),
  // WhisperFeatureExtractor.__init__ defaults (only these: they do not change the model's inputs unless set).
  chunk_length: positiveInt().default(30),
  padding_value: num().default(0),
  dither: num().default(0),
  return_attention_mask: bool().default(false),
  patch_size: positiveInt(),
  temporal_patch_size: positiveInt(),
  merge_size: positiveInt(),
  // transformers maps the legacy min/max_pixels onto size.shortest_edge/longest_edge and lets them win.
  min_pixels: positiveInt().optional(),
  max_pixels: positiveInt().optional(),
  size: obj({ shortest_edge: positiveInt().optional(), longest_edge: positiveInt().optional() }).optional(),
  image_mean: rgb(),
  image_std: rgb(),
  rescale_factor: num().default(1 / 255),
  do_resize: bool().default(true),
  do_rescale: bool().default(true),
  do_normalize: bool().default(true),
  do_convert_rgb: bool().default(true),
  resample: int().default(3),
});

export function parsePreprocessorConfig(json: unknown, file = 'preprocessor_config.json'): PreprocessorConfig {
  const p = validate(preprocessorSchema, json, file);
  const minPixels = p.min_pixels ?? p.size?.shortest_edge;
  const maxPixels = p.max_pixels ?? p.size?.longest_edge;
  if (minPixels === undefined) throw invalid(file, 'min_pixels: missing (or size.shortest_edge)');
  if (maxPixels === undefined) throw invalid(file, 'max_pixels: missing (or size.longest_edge)');
  const nSamples = p.chunk_length * p.sampling_rate;
  return {
    featureExtractor: {
      featureSize: p.feature_size,
      samplingRate: p.sampling_rate,
      hopLength: p.hop_length,
      nFft: p.n_fft,
      paddingValue: p.padding_value,
      dither: p.dither,
      returnAttentionMask: p.return_attention_mask,
      chunkLength: p.chunk_length,
      nSamples,
      nbMaxFrames: Math.floor(nSamples / p.hop_length),
    },
    imageProcessor: {
      patchSize: p.patch_size,
      temporalPatchSize: p.temporal_patch_size,
      mergeSize: p.merge_size,
      minPixels,
      maxPixels,
      imageMean: p.image_mean,
      imageStd: p.image_std,
      rescaleFactor: p.rescale_factor,
      doResize: p.do_resize,
      doRescale: p.do_rescale,
      doNormalize: p.do_normalize,
      doConvertRgb: p.do_convert_rgb,
      resample: p.resample,
    },
  };
}

/** A directory is usable when it has the model config, the preprocessor config and a BPE vocabulary. */
const REQUIRED_FILES = ['config.json', 'preprocessor_config.json', 'tokenizer_config.json'] as const;
const VOCABULARY_FILES = [['tokenizer.json'], ['vocab.json', 'merges.txt']] as const;

/** Fails with every missing file listed, so a half-copied snapshot is fixed in one go. */
export function checkCheckpointFiles(dir: string): void {
  if (!existsSync(dir)) throw new OmniError('MODEL_NOT_INSTALLED', `${dir}: no such directory`);
  const missing: string[] = REQUIRED_FILES.filter((f) => !existsSync(path.join(dir, f)));
  if (!VOCABULARY_FILES.some((set) => set.every((f) => existsSync(path.join(dir, f))))) {
    missing.push('tokenizer.json (or vocab.json + merges.txt)');
  }
  if (missing.length > 0) {
    throw new OmniError(
      'CHECKPOINT_INVALID',
      `${dir}: not a Qwen3-Omni checkpoint or bundle, missing ${missing.join(', ')}`,
      'Copy the tokenizer and preprocessor files of the Hugging Face snapshot into this directory unchanged.',
    );
  }
}

export function readJsonFile(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw invalid(file, `cannot read: ${(error as Error).message}`);
  }
}

export function loadModelConfig(dir: string): ModelConfig {
  const file = path.join(dir, 'config.json');
  return parseModelConfig(readJsonFile(file), file);
}

export function loadPreprocessorConfig(dir: string): PreprocessorConfig {
  const file = path.join(dir, 'preprocessor_config.json');
  return parsePreprocessorConfig(readJsonFile(file), file);
}

/** Parses with zod; the error names the file and every field at fault. */
export function validate<S extends z.ZodType>(schema: S, json: unknown, file: string): z.output<S> {
  const result = schema.safeParse(json);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) =>
    issue.path.length === 0 ? issue.message : `${issue.path.join('.')}: ${issue.message}`,
  );
  throw invalid(file, problems.join('; '));
}

function invalid(file: string, problem: string): OmniError {
  return new OmniError('CHECKPOINT_INVALID', `${file}: ${problem}`, 'Compare the file with the Hugging Face snapshot it came from.');
}
