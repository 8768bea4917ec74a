/**
 * `Qwen3OmniMoeProcessor` + `get_rope_index` for one conversation (qwen3-omni.md §§2–7), driven only by the files of
 * a checkpoint or bundle directory: chat template → placeholder expansion → ids → 3-D positions.
 */
import { OmniError } from '../errors';
import { extractAudioFeatures } from './audio/audioFeatures';
import { audioTokenCount, maxAudioSecondsForTokens } from './audio/audioTokens';
import { loadAudio } from './audio/loadAudio';
import type { ModelConfig, PreprocessorConfig } from './config';
import { checkCheckpointFiles, loadModelConfig, loadPreprocessorConfig } from './config';
import { ropeIndex } from './ropeIndex';
import { ChatTemplate, loadChatTemplateSource, type ChatMessage, type ContentItem } from './text/chatTemplate';
import { expandPlaceholders } from './text/expand';
import { loadTokenizer, type TextTokenizer } from './text/tokenizer';
import type { FrameBounds } from './vision/frameSize';
import { processImage } from './vision/imageProcessor';
import type { Patches } from './vision/patchify';
import { processVideo, type ProcessedVideo } from './vision/videoProcessor';

/** What each media placeholder stands for, in order of appearance in the prompt. */
export interface MediaLayout {
  /** Audio tokens per audio; with audio in video, a video's own track takes its place in the order. */
  audioTokenCounts: readonly number[];
  imageGridThw: readonly (readonly number[])[];
  videoGridThw: readonly (readonly number[])[];
  videoSecondPerGrid: readonly number[];
}

export interface TokenizedPrompt {
  inputIds: BigInt64Array;
  /** `[3, S]` row-major (T, H, W). */
  positionIds: Float64Array;
  ropeDelta: number;
}

export interface RenderOptions {
  /** Append the assistant header (default true: the model answers next). */
  addGenerationPrompt?: boolean;
  /** Extra template variables, e.g. `enable_thinking`. */
  templateKwargs?: Record<string, unknown>;
}

/** One input of a headless turn (cli-contract.md): a media file, a piece of user text or of the system prompt. */
export type TurnInput = { kind: 'audio' | 'image' | 'video'; file: string } | { kind: 'text' | 'system'; text: string };

/** A row-major array and its dimensions. */
export interface Tensor<T> {
  data: T;
  shape: number[];
}

export type ProcessRequest = RenderOptions & {
  /** Feed each video's audio track too, interleaved with its frames by time (must be the same for every turn). */
  useAudioInVideo?: boolean;
  /** Per-frame pixel bounds of videos; the processor's default is 128 to 768 tokens per frame pair. */
  videoBounds?: FrameBounds;
} & ({ messages: readonly ChatMessage[] } | { inputs: readonly TurnInput[] });

/** Named like transformers' processor outputs and the dump files of cli-contract.md; absent modalities are omitted. */
export interface ProcessorOutput extends TokenizedPrompt {
  /** The rendered chat template, before placeholder expansion. */
  prompt: string;
  /** `[n_audio, 128, F_max]`. */
  inputFeatures?: Tensor<Float32Array>;
  /** `[n_audio, F_max]`, 1 on valid frames. */
  featureAttentionMask?: Tensor<Int32Array>;
  /** Audio tokens per audio, in prompt order. */
  audioTokenCounts?: number[];
  /** `[N_img_patches, 1536]`. */
  pixelValues?: Tensor<Float32Array>;
  imageGridThw?: [number, number, number][];
  /** `[N_vid_patches, 1536]`. */
  pixelValuesVideos?: Tensor<Float32Array>;
  videoGridThw?: [number, number, number][];
  /** Seconds each temporal grid spans: temporal patch size / sampling fps. */
  videoSecondPerGrid?: number[];
}


export class Qwen3OmniProcessor {
  private constructor(
    readonly dir: string,
    readonly tokenizer: TextTokenizer,
    readonly chatTemplate: ChatTemplate,
    readonly modelConfig: ModelConfig,
    readonly preprocessorConfig: PreprocessorConfig,
  ) {}

  /** A Hugging Face snapshot, or a bundle carrying the same tokenizer/preprocessor/config files unchanged. */
  static fromCheckpoint(dir: string): Qwen3OmniProcessor {
    checkCheckpointFiles(dir);
    const modelConfig = loadModelConfig(dir);
    const preprocessorConfig = loadPreprocessorConfig(dir);
    const tokenizer = loadTokenizer(dir);
    const template = new ChatTemplate(loadChatTemplateSource(dir, tokenizer.config), tokenizer.specialTokensMap);
    return new Qwen3OmniProcessor(dir, tokenizer, template, modelConfig, preprocessorConfig);
  }

  render(messages: readonly ChatMessage[], options: RenderOptions = {}): string {
    return this.chatTemplate.render(messages, { addGenerationPrompt: options.addGenerationPrompt ?? true, kwargs: options.templateKwargs });
  }

  async process(request: ProcessRequest): Promise<ProcessorOutput> {
    const useAudioInVideo = request.useAudioInVideo ?? false;
    const messages = 'inputs' in request ? turnMessages(request.inputs) : request.messages;
    const prompt = this.render(messages, request);
    const { featureExtractor, imageProcessor } = this.preprocessorConfig;
    // Audio that could never fit the context is refused from its duration, before it is decoded whole.
    const maxSeconds = maxAudioSecondsForTokens(this.modelConfig.maxPositionEmbeddings);
    const seen = { audio: 0, image: 0, video: 0 };
    const media = messages.flatMap((m) => (typeof m.content === 'string' ? [] : m.content.filter(isMedia)));
    const loaded = await Promise.all(
      media.map(async (item): Promise<LoadedMedia> => {
        const name = mediaName(item, seen[item.type]++);
        switch (item.type) {
          case 'audio': {
            const waveform =
              item.audio instanceof Float32Array
                ? item.audio
                : await loadAudio(item.audio, { targetRate: featureExtractor.samplingRate, maxSeconds, name });
            return { type: 'audio', name, waveform };
          }
          case 'image':
            return { type: 'image', name, image: await processImage(item.image, imageProcessor, { name }) };
          case 'video': {
            const options = {
              bounds: request.videoBounds,
              audio: useAudioInVideo,
              audioRate: featureExtractor.samplingRate,
              maxAudioSeconds: maxSeconds,
              name,
            };
            return { type: 'video', name, video: await processVideo(item.video, imageProcessor, options) };
          }
        }
      }),
    );

    // The processor's audio list in prompt order: audio items, and with audio in video each video's sound track.
    const audios = loaded.flatMap((m) =>
      m.type === 'audio' ? [m] : m.type === 'video' && m.video.audio ? [{ name: `${m.name} (sound track)`, waveform: m.video.audio }] : [],
    );
    const images = loaded.flatMap((m) => (m.type === 'image' ? [m.image] : []));
    const videos = loaded.flatMap((m) => (m.type === 'video' ? [m.video] : []));
    const modalities: Omit<ProcessorOutput, keyof TokenizedPrompt | 'prompt'> = {};
    if (audios.length > 0) {
      const features = extractAudioFeatures(audios.map((a) => a.waveform), featureExtractor, { names: audios.map((a) => a.name) });
      const { maxFrames, featureSize } = features;
      modalities.inputFeatures = { data: features.inputFeatures, shape: [audios.length, featureSize, maxFrames] };
      modalities.featureAttentionMask = { data: features.featureAttentionMask, shape: [audios.length, maxFrames] };
      modalities.audioTokenCounts = features.frames.map(audioTokenCount);
    }
    if (images.length > 0) {
      modalities.imageGridThw = images.map((i) => i.gridThw);
      modalities.pixelValues = concatRows(images.map((i) => i.pixelValues), modalities.imageGridThw);
    }
    if (videos.length > 0) {
      modalities.videoGridThw = videos.map((v) => v.gridThw);
      modalities.pixelValuesVideos = concatRows(videos.map((v) => v.pixelValues), modalities.videoGridThw);
      modalities.videoSecondPerGrid = videos.map((v) => v.secondPerGrid);
    }
    const layout: MediaLayout = {
      audioTokenCounts: modalities.audioTokenCounts ?? [],
      imageGridThw: modalities.imageGridThw ?? [],
      videoGridThw: modalities.videoGridThw ?? [],
      videoSecondPerGrid: modalities.videoSecondPerGrid ?? [],
    };
    return { prompt, ...this.tokenize(prompt, layout, useAudioInVideo), ...modalities };
  }

  /** The token half: expansion of a rendered prompt for the given media, ids, and the thinker's rope index. */
  tokenize(prompt: string, layout: MediaLayout, useAudioInVideo: boolean): TokenizedPrompt {
    const expanded = expandPlaceholders(prompt, this.tokenizer.media, {
      ...layout,
      useAudioInVideo,
      mergeSize: this.preprocessorConfig.imageProcessor.mergeSize,
    });
    const ids = this.tokenizer.encode(expanded);
    const { maxPositionEmbeddings } = this.modelConfig;
    if (ids.length > maxPositionEmbeddings) {
      throw new OmniError(
        'INVALID_REQUEST',
        `the prompt has ${ids.length} tokens, more than the model's context of ${maxPositionEmbeddings}`,
        'Shorten the conversation or send shorter audio, fewer images or a shorter video.',
      );
    }
    const { positionIds, ropeDelta } = ropeIndex(ids, {
      config: this.modelConfig.thinker,
      imageGridThw: layout.imageGridThw,
      videoGridThw: layout.videoGridThw,
      secondPerGrids: layout.videoSecondPerGrid,
      audioTokenCounts: layout.audioTokenCounts,
      useAudioInVideo,
    });
    return { inputIds: BigInt64Array.from(ids, BigInt), positionIds, ropeDelta };
  }
}


/**
 * The inputs as one user turn, media first then text, each kind in the order given; a system message only when a
 * system input is given.
 */
export function turnMessages(inputs: readonly TurnInput[]): ChatMessage[] {
  const items = (kinds: readonly TurnInput['kind'][]): ContentItem[] =>
    inputs
      .filter((input) => kinds.includes(input.kind))
      .map((input) => ('file' in input ? { type: input.kind, [input.kind]: input.file } : { type: 'text', text: input.text }) as ContentItem);
  const system = items(['system']);
  const user = [...items(['audio', 'image', 'video']), ...items(['text'])];
  return [...(system.length > 0 ? [{ role: 'system', content: system }] : []), { role: 'user', content: user }];
}

type MediaItem = Exclude<ContentItem, { type: 'text' }>;

type LoadedMedia =
  | { type: 'audio'; name: string; waveform: Float32Array }
  | { type: 'image'; name: string; image: Patches }
  | { type: 'video'; name: string; video: ProcessedVideo };

function isMedia(item: ContentItem): item is MediaItem {
  return item.type !== 'text';
}

/** Errors name a file by its path, in-memory media by kind and position ("image 2"). */
function mediaName(item: MediaItem, index: number): string {
  const source = (item as Record<string, unknown>)[item.type];
  return typeof source === 'string' ? source : `${item.type} ${index + 1}`;
}

/** Patch rows of several items stacked in prompt order: `[Σ t·h·w, row]`. */
function concatRows(parts: Float32Array[], grids: readonly (readonly number[])[]): Tensor<Float32Array> {
  const rows = grids.reduce((sum, [t, h, w]) => sum + t * h * w, 0);
  const data = new Float32Array(parts.reduce((sum, p) => sum + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    data.set(part, offset);
    offset += part.length;
  }
  return { data, shape: [rows, rows === 0 ? 0 : data.length / rows] };
}
