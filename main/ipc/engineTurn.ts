/**
 * What main adds to a turn before the engine hears of it: the settings (./store/settings.ts `turnWithSettings`),
 * the installed bundle that answers, and the user's sampling choices in the engine's terms.
 */
import { OmniError } from '../engine/errors';
import type { ChatSendRequest, EngineChatSendRequest } from '../engine/protocol';
import { activeBundle } from '../models/activeBundle';
import { turnWithSettings } from '../store/settings';
import type { Settings } from './schemas/settings';

export const NO_MODEL = new OmniError(
  'MODEL_NOT_INSTALLED',
  'No Qwen3-Omni model is installed yet.',
  'Download one in Models, or build one from a checkpoint with "omnidesk build".',
);

/** Temperature 0 means greedy decoding; top-k 0 means no limit, so it is left out. */
export function engineSampling(sampling: Settings['sampling']): NonNullable<EngineChatSendRequest['sampling']> {
  if (sampling.temperature === 0) return { doSample: false, repetitionPenalty: sampling.repetitionPenalty, maxNewTokens: sampling.maxTokens };
  return {
    doSample: true,
    temperature: sampling.temperature,
    topP: sampling.topP,
    ...(sampling.topK > 0 ? { topK: sampling.topK } : {}),
    repetitionPenalty: sampling.repetitionPenalty,
    maxNewTokens: sampling.maxTokens,
  };
}

export async function engineTurn(turn: ChatSendRequest, settings: Settings, modelsDir: string): Promise<EngineChatSendRequest> {
  const bundle = await activeBundle(modelsDir);
  if (!bundle) throw NO_MODEL;
  return { ...turnWithSettings(turn, settings), bundleDir: bundle.path, sampling: engineSampling(settings.sampling) };
}
