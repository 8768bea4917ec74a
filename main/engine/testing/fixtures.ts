/**
 * Paths to the committed reference-oracle fixtures (models/fixtures, produced by models/reference/regenerate.sh) and
 * a loader for golden cases. Pure Node; used by tests and tooling, never by the shipped engine.
 *
 *   const c = loadGoldenCase('audio');
 *   const ids = c.array('input_ids', 'int64');   // NpyArray<'int64'>, dtype and shape checked against case.json
 *   c.info.generation.thinker_max_new_tokens;     // settings the golden was produced with
 *   c.mediaPath(c.info.audio[0].source)           // absolute path of an input file
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProcessRequest } from '../processor/processor';
import type { ChatMessage } from '../processor/text/chatTemplate';
import { readNpySync, type NpyArray, type NpyDtype } from '../runtime/npy';

/** Repository root (this file lives in main/engine/testing/). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/** models/fixtures, or $OMNIDESK_FIXTURES_DIR when set. */
export const FIXTURES_DIR = process.env.OMNIDESK_FIXTURES_DIR
  ? path.resolve(process.env.OMNIDESK_FIXTURES_DIR)
  : path.join(REPO_ROOT, 'models', 'fixtures');
/** The tiny random-weight checkpoint in Hugging Face snapshot layout. */
export const TINY_CHECKPOINT_DIR = path.join(FIXTURES_DIR, 'tiny-qwen3-omni');
export const MEDIA_DIR = path.join(FIXTURES_DIR, 'media');
export const GOLDEN_DIR = path.join(FIXTURES_DIR, 'golden');

export interface GoldenArrayInfo {
  name: string;
  file: string;
  dtype: NpyDtype;
  shape: number[];
  note?: string;
}

export interface GoldenAudioInfo {
  /** Repository-relative path of the input (a video's track is "<video> (audio track)"). */
  source: string;
  /** Length of the 16 kHz mono waveform fed to the feature extractor. */
  samples_16k: number;
  /** audio_waveform_<i>.npy when the source was resampled/downmixed, null when it decodes exactly (16 kHz mono). */
  waveform_file: string | null;
}

export interface GoldenImageInfo {
  source: string;
  loaded_width: number;
  loaded_height: number;
}

export interface GoldenVideoInfo {
  source: string;
  total_frames: number;
  video_fps: number;
  sampled_frames: number;
  sampled_indices: number[];
  sample_fps: number;
  seconds_per_grid: number;
  size: { shortest_edge: number; longest_edge: number };
}

export interface GoldenGeneration {
  speaker: string;
  thinker_do_sample: boolean;
  talker_do_sample: boolean;
  thinker_max_new_tokens: number;
  talker_max_new_tokens: number;
}

export interface GoldenMessageContent {
  type: 'text' | 'audio' | 'image' | 'video';
  text?: string;
  audio?: string;
  image?: string;
  video?: string;
}

export interface GoldenCaseInfo {
  name: string;
  description: string;
  messages: { role: 'system' | 'user' | 'assistant'; content: string | GoldenMessageContent[] }[];
  media_dir: string;
  prompt_text: string;
  use_audio_in_video: boolean;
  audio: GoldenAudioInfo[];
  images: GoldenImageInfo[];
  videos: GoldenVideoInfo[];
  sequence_length: number;
  generation: GoldenGeneration;
  generated_text: string;
  thinker_tokens: number;
  frames: number;
  waveform_samples: number;
  sample_rate: number;
  dtype: string;
  arrays: GoldenArrayInfo[];
}

export interface GoldenIndex {
  generator: string;
  checkpoint: string;
  cases: string[];
  generation: GoldenGeneration;
}

function readJson<T>(file: string): T {
  if (!existsSync(file)) {
    throw new Error(`${file} is missing: the reference fixtures are committed under models/fixtures (regenerate with npm run oracle)`);
  }
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (err) {
    throw new Error(`${file}: invalid JSON (${(err as Error).message})`, { cause: err });
  }
}

/** golden/index.json: the case names in generation order and the shared generation settings. */
export function loadGoldenIndex(): GoldenIndex {
  return readJson<GoldenIndex>(path.join(GOLDEN_DIR, 'index.json'));
}

export function goldenCaseNames(): string[] {
  return loadGoldenIndex().cases;
}

/** Absolute path of a media file given its name in models/fixtures/media or a repository-relative path. */
export function mediaPath(file: string): string {
  if (path.isAbsolute(file)) return file;
  if (file.includes('/')) return path.join(REPO_ROOT, file.replace(/ \(audio track\)$/, ''));
  return path.join(MEDIA_DIR, file);
}

export class GoldenCase {
  readonly dir: string;
  readonly info: GoldenCaseInfo;
  private readonly cache = new Map<string, NpyArray>();

  constructor(readonly name: string) {
    this.dir = path.join(GOLDEN_DIR, name);
    this.info = readJson<GoldenCaseInfo>(path.join(this.dir, 'case.json'));
    if (this.info.name !== name) throw new Error(`${this.dir}/case.json describes case '${this.info.name}', not '${name}'`);
  }

  /** Names of the arrays this case has (processor outputs, module outputs, generation results). */
  get arrayNames(): string[] {
    return this.info.arrays.map((a) => a.name);
  }

  has(name: string): boolean {
    return this.info.arrays.some((a) => a.name === name);
  }

  arrayInfo(name: string): GoldenArrayInfo {
    const info = this.info.arrays.find((a) => a.name === name);
    if (!info) {
      throw new Error(`golden case '${this.name}' has no array '${name}' (it has: ${this.arrayNames.join(', ')})`);
    }
    return info;
  }

  /** Path of an array's .npy file. */
  path(name: string): string {
    return path.join(this.dir, this.arrayInfo(name).file);
  }

  /** Loads an array (cached), checking dtype and shape against case.json; `dtype` narrows the type. */
  array<D extends NpyDtype = NpyDtype>(name: string, dtype?: D): NpyArray<D> {
    let arr = this.cache.get(name);
    if (!arr) {
      const info = this.arrayInfo(name);
      const file = path.join(this.dir, info.file);
      arr = readNpySync(file);
      const shapeOk = arr.shape.length === info.shape.length && arr.shape.every((d, i) => d === info.shape[i]);
      if (arr.dtype !== info.dtype || !shapeOk) {
        throw new Error(
          `${file}: holds ${arr.dtype} [${arr.shape.join(', ')}] but case.json declares ${info.dtype} [${info.shape.join(', ')}]`,
        );
      }
      this.cache.set(name, arr);
    }
    if (dtype !== undefined && arr.dtype !== dtype) {
      throw new Error(`${this.path(name)}: expected dtype ${dtype}, file holds ${arr.dtype}`);
    }
    return arr as NpyArray<D>;
  }

  /** Absolute path of an input referenced by case.json (audio/images/videos `source`). */
  mediaPath(source: string): string {
    return mediaPath(source);
  }
}

/** The case's conversation with its media names turned into paths. */
export function goldenMessages(golden: GoldenCase): ChatMessage[] {
  return golden.info.messages.map(({ role, content }) => ({
    role,
    content:
      typeof content === 'string'
        ? content
        : content.map((item) => {
            if (item.type === 'text') return { type: 'text', text: item.text ?? '' };
            return { type: item.type, [item.type]: mediaPath(item[item.type] ?? '') } as ChatMessage['content'][number] & object;
          }),
  })) as ChatMessage[];
}

/** The processor request that reproduces the case's inputs: its messages, audio-in-video flag and video bounds. */
export function goldenProcessRequest(golden: GoldenCase): ProcessRequest {
  const [video] = golden.info.videos;
  return {
    messages: goldenMessages(golden),
    useAudioInVideo: golden.info.use_audio_in_video,
    // The oracle passes the image bounds for its tiny clip instead of the processor's video default.
    ...(video && { videoBounds: { minPixels: video.size.shortest_edge, maxPixels: video.size.longest_edge } }),
  };
}

/** Loads golden/<name>/case.json; arrays are read lazily with `array()`. */
export function loadGoldenCase(name: string): GoldenCase {
  return new GoldenCase(name);
}
