/**
 * `Qwen3OmniMoeProcessor` + `get_rope_index` for one conversation (qwen3-omni.md §§2–7), driven only by the files of
 * a checkpoint or bundle directory: chat template → placeholder expansion → ids → 3-D positions.
 */
import type { ModelConfig, PreprocessorConfig } from './config';
import { checkCheckpointFiles, loadModelConfig, loadPreprocessorConfig } from './config';
import { ropeIndex } from './ropeIndex';
import { ChatTemplate, loadChatTemplateSource, type ChatMessage } from './text/chatTemplate';
import { expandPlaceholders } from './text/expand';
import { loadTokenizer, type TextTokenizer } from './text/tokenizer';

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

  /** The token half: expansion of a rendered prompt for the given media, ids, and the thinker's rope index. */
  tokenize(prompt: string, layout: MediaLayout, useAudioInVideo: boolean): TokenizedPrompt {
    const expanded = expandPlaceholders(prompt, this.tokenizer.media, {
      ...layout,
      useAudioInVideo,
      mergeSize: this.preprocessorConfig.imageProcessor.mergeSize,
    });
    const ids = this.tokenizer.encode(expanded);
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
