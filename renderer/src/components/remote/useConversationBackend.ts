import { useStore } from 'zustand';
import { LOCAL_BACKEND } from '../../../../main/ipc/schemas/values';
import { useStores } from '../../stores/context';
import { currentSummary } from '../../stores/conversations';
import { conversationBackend, type ConversationBackend } from '../../stores/remote';

/** Who answers the conversation on screen (see stores/remote.ts `conversationBackend`). */
export function useConversationBackend(): ConversationBackend & { conversationId: string } {
  const { remote, conversation, conversations, settings } = useStores();
  const conversationId = useStore(conversation, (s) => s.conversationId);
  const saved = useStore(conversations, (s) => currentSummary(s.list.value, conversationId));
  const defaultBackend = useStore(settings, (s) => s.data.value?.settings.remote.defaultBackend) ?? LOCAL_BACKEND;
  const state = useStore(remote);
  return { conversationId, ...conversationBackend(state, conversationId, saved, defaultBackend) };
}
