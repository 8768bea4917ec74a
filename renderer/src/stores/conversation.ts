/**
 * One conversation: the user's turns and the engine's answers. A turn is accepted by `chat.send` and then
 * unfolds through turn events; a refusal of `chat.send` itself (no model, engine down) ends the turn at once with
 * the engine's explanation — every turn ends answered, interrupted or failed, never silently.
 */
import { createStore } from 'zustand/vanilla';
import type { ErrorInfo, TurnEvent } from '../../../main/ipc/contract';
import type { OmnideskApi } from '../../../preload/api';
import { asErrorInfo } from '../errors';

export type AssistantStatus = 'waiting' | 'streaming' | 'done' | 'interrupted' | 'failed';

export type Message =
  | { role: 'user'; id: string; text: string }
  | { role: 'assistant'; id: string; turnId: string; text: string; status: AssistantStatus; error?: ErrorInfo };

export interface ConversationState {
  conversationId: string;
  messages: Message[];
  /** The turn still in progress; the composer waits for it (or its interruption). */
  activeTurnId?: string;
  send(text: string): Promise<void>;
  interrupt(): Promise<void>;
}

type Assistant = Extract<Message, { role: 'assistant' }>;

function updateTurn(messages: Message[], turnId: string, change: (message: Assistant) => Assistant): Message[] {
  return messages.map((m) => (m.role === 'assistant' && m.turnId === turnId ? change(m) : m));
}

const isOpen = (status: AssistantStatus) => status === 'waiting' || status === 'streaming';

/** The conversation after one engine event; events of finished or unknown turns change nothing. */
export function applyTurnEvent(messages: Message[], event: TurnEvent): Message[] {
  return updateTurn(messages, event.turnId, (m) => {
    if (!isOpen(m.status)) return m;
    switch (event.type) {
      case 'started':
        return m;
      case 'text-delta':
        return { ...m, text: m.text + event.text, status: 'streaming' };
      case 'done':
        return { ...m, text: event.text, status: event.interrupted ? 'interrupted' : 'done' };
      case 'error':
        return { ...m, status: 'failed', error: event.error };
    }
  });
}

export function createConversationStore(api: Pick<OmnideskApi, 'chat'>, newId: () => string = () => crypto.randomUUID()) {
  const store = createStore<ConversationState>()((set, get) => {
    const finish = (turnId: string, change: (m: Assistant) => Assistant) =>
      set((s) => ({
        messages: updateTurn(s.messages, turnId, change),
        activeTurnId: s.activeTurnId === turnId ? undefined : s.activeTurnId,
      }));
    return {
      conversationId: newId(),
      messages: [],
      send: async (raw) => {
        const text = raw.trim();
        if (!text || get().activeTurnId) return;
        const turnId = newId();
        set((s) => ({
          activeTurnId: turnId,
          messages: [
            ...s.messages,
            { role: 'user', id: `${turnId}-user`, text },
            { role: 'assistant', id: `${turnId}-assistant`, turnId, text: '', status: 'waiting' },
          ],
        }));
        try {
          await api.chat.send({ conversationId: get().conversationId, turnId, text, attachments: [], micAudio: false, speak: false });
        } catch (error) {
          finish(turnId, (m) => ({ ...m, status: 'failed', error: asErrorInfo(error) }));
        }
      },
      interrupt: async () => {
        const turnId = get().activeTurnId;
        if (!turnId) return;
        try {
          const { interrupted } = await api.chat.interrupt({ turnId });
          // The engine had nothing running for it, so no `done` event will come to close the turn.
          if (!interrupted) finish(turnId, (m) => (isOpen(m.status) ? { ...m, status: 'interrupted' } : m));
        } catch (error) {
          finish(turnId, (m) => ({ ...m, status: 'failed', error: asErrorInfo(error) }));
        }
      },
    };
  });
  api.chat.onTurnEvent((event) =>
    store.setState((s) => {
      const messages = applyTurnEvent(s.messages, event);
      const ended = event.type === 'done' || event.type === 'error';
      return { messages, activeTurnId: ended && s.activeTurnId === event.turnId ? undefined : s.activeTurnId };
    }),
  );
  return store;
}
