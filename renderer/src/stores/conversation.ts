/**
 * One conversation: the user's turns and the engine's answers. A turn is accepted by `chat.send` and then
 * unfolds through turn events; a refusal of `chat.send` itself (no model, engine down) ends the turn at once with
 * the engine's explanation, and a failure after it (the model could not be opened, the engine crashed) comes as
 * the turn's `error` event — every turn ends answered, interrupted or failed, never silently. While the engine
 * opens the model for a turn (minutes for the real one, after every start), the reply says so.
 */
import { createStore } from 'zustand/vanilla';
import type { Attachment, ErrorInfo, TurnEvent } from '../../../main/ipc/contract';
import type { OmnideskApi } from '../../../preload/api';
import { asErrorInfo } from '../errors';

export type AssistantStatus = 'waiting' | 'streaming' | 'done' | 'interrupted' | 'failed';

/** The reply waits for the engine to open the model (`part` 'model') or its voice ('speech'), since `since`. */
export interface ModelLoading {
  part: Extract<TurnEvent, { type: 'loading' }>['part'];
  /** When the wait began (ms since the epoch), for the seconds shown. */
  since: number;
}

export type Message =
  | {
      role: 'user';
      id: string;
      turnId: string;
      text: string;
      attachments?: Attachment[];
      /** A push-to-talk question: how many 16 kHz samples of it the engine received. */
      voiceSamples?: number;
      /** The question as recorded and saved with the conversation (a 16 kHz media file), for replay. */
      speech?: SavedSpeech;
    }
  | {
      role: 'assistant';
      id: string;
      turnId: string;
      text: string;
      status: AssistantStatus;
      /** Set from the turn's `loading` event until the reply starts or ends. */
      loading?: ModelLoading;
      error?: ErrorInfo;
      /** The reply is spoken as well as written. */
      speak?: true;
      /** The spoken reply was cut short after this many 24 kHz samples: what the user heard. */
      heardSamples?: number;
      /** Stop was pressed: the engine ends the turn after its current step, or once its model is open. */
      stopping?: true;
      /** The spoken reply as saved with the conversation (a media file), for replay after a reload. */
      speech?: SavedSpeech;
    };

/** A turn's audio saved beside its message: the media file and its length in samples. */
export interface SavedSpeech {
  file: string;
  samples: number;
}

/** One turn as the composer or push-to-talk hands it over. */
export interface TurnInput {
  text: string;
  attachments?: Attachment[];
  /** Push-to-talk: the turn id its microphone audio was streamed under, and the engine's sample count. */
  voice?: { turnId: string; samples: number };
  speak?: boolean;
}

export interface ConversationState {
  conversationId: string;
  messages: Message[];
  /** The turn still in progress; the composer waits for it (or its interruption). */
  activeTurnId?: string;
  send(input: string | TurnInput): Promise<void>;
  /** Stops a turn (the open one by default); `heardSamples` says how much of its spoken reply was heard. */
  interrupt(turnId?: string, heardSamples?: number): Promise<void>;
}

type Assistant = Extract<Message, { role: 'assistant' }>;

function updateTurn(messages: Message[], turnId: string, change: (message: Assistant) => Assistant): Message[] {
  return messages.map((m) => (m.role === 'assistant' && m.turnId === turnId ? change(m) : m));
}

const isOpen = (status: AssistantStatus) => status === 'waiting' || status === 'streaming';

/** The reply without its wait for the model: every event after `loading` but another `loading` ends the wait. */
function loaded({ loading: _, ...message }: Assistant): Assistant {
  return message;
}

function ended({ loading: _, stopping: __, ...message }: Assistant): Assistant {
  return message;
}

/**
 * The conversation after one engine event, which arrived at `now`; events of finished or unknown turns change
 * nothing. The wait for the model counts from its first `loading` event, across the model and its voice.
 */
export function applyTurnEvent(messages: Message[], event: TurnEvent, now = Date.now()): Message[] {
  return updateTurn(messages, event.turnId, (m) => {
    if (!isOpen(m.status)) return m;
    switch (event.type) {
      case 'loading':
        return { ...m, loading: { part: event.part, since: m.loading?.since ?? now } };
      case 'started':
        return loaded(m);
      case 'text-delta':
        return { ...loaded(m), text: m.text + event.text, status: 'streaming' };
      case 'done':
        return { ...ended(m), text: event.text, status: event.interrupted ? 'interrupted' : 'done' };
      case 'error':
        return { ...ended(m), status: 'failed', error: event.error };
    }
  });
}

/** What the open turn waits for, if it waits for the model. */
export function activeTurnLoading({ messages, activeTurnId }: Pick<ConversationState, 'messages' | 'activeTurnId'>): ModelLoading | undefined {
  if (!activeTurnId) return undefined;
  const reply = messages.find((m): m is Assistant => m.role === 'assistant' && m.turnId === activeTurnId);
  return reply?.loading;
}

export function createConversationStore(api: Pick<OmnideskApi, 'chat'>, newId: () => string = () => crypto.randomUUID(), now: () => number = Date.now) {
  const store = createStore<ConversationState>()((set, get) => {
    const finish = (turnId: string, change: (m: Assistant) => Assistant) =>
      set((s) => ({
        messages: updateTurn(s.messages, turnId, change),
        activeTurnId: s.activeTurnId === turnId ? undefined : s.activeTurnId,
      }));
    return {
      conversationId: newId(),
      messages: [],
      send: async (input) => {
        const { attachments = [], voice, speak = false, ...turn } = typeof input === 'string' ? { text: input } : input;
        const text = turn.text.trim();
        if ((!text && !voice && attachments.length === 0) || get().activeTurnId) return;
        const turnId = voice?.turnId ?? newId();
        set((s) => ({
          activeTurnId: turnId,
          messages: [
            ...s.messages,
            {
              role: 'user',
              id: `${turnId}-user`,
              turnId,
              text,
              ...(attachments.length ? { attachments } : {}),
              ...(voice ? { voiceSamples: voice.samples } : {}),
            },
            { role: 'assistant', id: `${turnId}-assistant`, turnId, text: '', status: 'waiting', ...(speak ? { speak } : {}) },
          ],
        }));
        try {
          await api.chat.send({ conversationId: get().conversationId, turnId, text, attachments, micAudio: !!voice, speak });
        } catch (error) {
          finish(turnId, (m) => ({ ...m, status: 'failed', error: asErrorInfo(error) }));
        }
      },
      interrupt: async (turnId = get().activeTurnId, heardSamples) => {
        if (!turnId) return;
        const spoken = get().messages.some((m) => m.role === 'assistant' && m.turnId === turnId && m.speak);
        // A spoken reply stopped before its first sample was heard was heard for 0 samples, not an unknown number.
        const heard = heardSamples ?? (spoken ? 0 : undefined);
        // Stopped is no longer running for the user: the next question may go at once, and the engine runs it after
        // this turn has ended (which can take until its model is open). Its last events still land on its message.
        set((s) => ({
          messages: updateTurn(s.messages, turnId, (m) => ({ ...m, ...(heard !== undefined && { heardSamples: heard }), ...(isOpen(m.status) && { stopping: true as const }) })),
          activeTurnId: s.activeTurnId === turnId ? undefined : s.activeTurnId,
        }));
        try {
          const { interrupted } = await api.chat.interrupt(heard === undefined ? { turnId } : { turnId, heardSamples: heard });
          // The engine had nothing running for it, so no `done` event will come to close the turn.
          if (!interrupted) finish(turnId, (m) => (isOpen(m.status) ? { ...m, status: 'interrupted' } : m));
        } catch (error) {
          // Stopping the speech of a finished answer can fail without making the answer itself a failure.
          finish(turnId, (m) => (isOpen(m.status) ? { ...m, status: 'failed', error: asErrorInfo(error) } : m));
        }
      },
    };
  });
  api.chat.onTurnEvent((event) =>
    store.setState((s) => {
      const messages = applyTurnEvent(s.messages, event, now());
      const ended = event.type === 'done' || event.type === 'error';
      return { messages, activeTurnId: ended && s.activeTurnId === event.turnId ? undefined : s.activeTurnId };
    }),
  );
  return store;
}
