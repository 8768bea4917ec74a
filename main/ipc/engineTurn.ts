/**
 * What main adds to a turn before the engine hears of it: the settings (./store/settings.ts `turnWithSettings`),
 * who answers — the installed bundle, or the conversation's remote server with its key — and the user's sampling
 * choices in the engine's terms.
 */
import { OmniError } from '../engine/errors';
import type { ChatSendRequest, EngineChatSendRequest } from '../engine/protocol';
import { activeBundle } from '../models/activeBundle';
import type { ConversationStore } from '../store/conversations';
import type { RemoteServers } from '../store/remoteServers';
import { turnWithSettings } from '../store/settings';
import { LOCAL_BACKEND, type Settings } from './schemas/settings';

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

/** Who answers a conversation: its own choice (stored, or made before its first turn), else the settings' default. */
export const backendOf = (conversations: Pick<ConversationStore, 'backendOf'>, conversationId: string, settings: Settings): string =>
  conversations.backendOf(conversationId) ?? settings.remote.defaultBackend;

export interface TurnContext {
  settings: Settings;
  modelsDir: string;
  remote: Pick<RemoteServers, 'connection'>;
}

/** A remote turn needs no local model; a conversation whose server was removed is refused with the way out. */
export async function engineTurn(turn: ChatSendRequest, backend: string, { settings, modelsDir, remote }: TurnContext): Promise<EngineChatSendRequest> {
  const request = { ...turnWithSettings(turn, settings), sampling: engineSampling(settings.sampling) };
  if (backend !== LOCAL_BACKEND) return { ...request, remote: await remote.connection(backend) };
  const bundle = await activeBundle(modelsDir);
  if (!bundle) throw NO_MODEL;
  return { ...request, bundleDir: bundle.path };
}
