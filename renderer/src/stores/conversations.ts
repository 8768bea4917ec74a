/**
 * Saved conversations: the list (newest first), search, and opening one into the conversation view. Main owns
 * the history — it stores every turn as it happens — so this store only reads it back, and reloads the list when
 * main says something changed. Opening a conversation replaces what the conversation store shows; turn events of
 * a reply still streaming keep arriving there.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { Attachment, ConversationSummary, ErrorInfo, ExportFormat, SearchHit, StoredMessage } from '../../../main/ipc/contract';
import type { OmnideskApi } from '../../../preload/api';
import { asErrorInfo } from '../errors';
import type { ConversationState, Message } from './conversation';
import type { Loadable } from './loadable';

export interface ExportDone {
  folder: string;
  files: string[];
}

export interface ConversationsState {
  list: Loadable<ConversationSummary[]>;
  query: string;
  /** Search results for `query`; absent while the query is empty. */
  hits?: Loadable<SearchHit[]>;
  /** The last action that failed (open, rename, delete, export), with why. */
  error?: ErrorInfo;
  exported?: ExportDone;
  reload(): Promise<void>;
  search(query: string): void;
  open(id: string): Promise<void>;
  startNew(): void;
  rename(id: string, title: string): Promise<boolean>;
  remove(id: string): Promise<boolean>;
  exportTo(id: string, formats: ExportFormat[]): Promise<ExportDone | undefined>;
  dismiss(): void;
}

const STATUS: Record<StoredMessage['status'], Extract<Message, { role: 'assistant' }>['status']> = {
  complete: 'done',
  streaming: 'streaming',
  interrupted: 'interrupted',
  error: 'failed',
};

/** A stored message as the conversation view shows it. */
export function toMessage(stored: StoredMessage): Message {
  const { id, turnId, text, audio } = stored;
  const speech = audio && { file: audio.file, samples: audio.samples };
  if (stored.role === 'user') {
    return { role: 'user', id, turnId, text, ...(speech ? { voiceSamples: speech.samples, speech } : {}) };
  }
  return {
    role: 'assistant',
    id,
    turnId,
    text,
    status: STATUS[stored.status],
    ...(stored.error ? { error: stored.error } : {}),
    ...(speech ? { speak: true as const, speech } : {}),
    ...(stored.heardSamples !== undefined ? { heardSamples: stored.heardSamples } : {}),
  };
}

/** The stored files of a message's attachments, read back as the attachments the composer sent. */
async function readAttachments(api: Pick<OmnideskApi, 'conversations'>, stored: StoredMessage): Promise<Attachment[]> {
  const read = async (file: string) => (await api.conversations.media({ file })).data;
  return Promise.all(
    stored.attachments.map(async (a): Promise<Attachment> => {
      if (a.kind === 'frames') return { kind: 'frames', name: a.name, fps: 2, frames: await Promise.all(a.files.map(read)) };
      return { kind: a.kind, name: a.name, mime: a.mime, data: await read(a.files[0]) } as Attachment;
    }),
  );
}

export function createConversationsStore(
  api: Pick<OmnideskApi, 'conversations'>,
  conversation: StoreApi<ConversationState>,
  options: { newId?: () => string; searchDelayMs?: number } = {},
) {
  const newId = options.newId ?? (() => crypto.randomUUID());
  const searchDelayMs = options.searchDelayMs ?? 150;
  let listGeneration = 0;
  let searchGeneration = 0;
  let openGeneration = 0;
  let searchTimer: ReturnType<typeof setTimeout> | undefined;

  const store = createStore<ConversationsState>()((set, get) => {
    const attempt = async <T>(action: () => Promise<T>): Promise<T | undefined> => {
      try {
        const result = await action();
        set({ error: undefined });
        return result;
      } catch (error) {
        set({ error: asErrorInfo(error) });
        return undefined;
      }
    };
    const runSearch = async (query: string) => {
      const mine = ++searchGeneration;
      set((s) => ({ hits: { phase: 'loading', value: s.hits?.value } }));
      try {
        const { hits } = await api.conversations.search({ query });
        if (mine === searchGeneration) set({ hits: { phase: 'ready', value: hits } });
      } catch (error) {
        if (mine === searchGeneration) set({ hits: { phase: 'failed', error: asErrorInfo(error) } });
      }
    };
    return {
      list: { phase: 'loading' },
      query: '',
      reload: async () => {
        const mine = ++listGeneration;
        set((s) => ({ list: { phase: 'loading', value: s.list.value } }));
        try {
          const { conversations } = await api.conversations.list();
          if (mine === listGeneration) set({ list: { phase: 'ready', value: conversations } });
        } catch (error) {
          if (mine === listGeneration) set((s) => ({ list: { phase: 'failed', error: asErrorInfo(error), value: s.list.value } }));
        }
        // Results of a search stay current too.
        if (get().query.trim()) await runSearch(get().query.trim());
      },
      search: (query) => {
        clearTimeout(searchTimer);
        set({ query });
        const trimmed = query.trim();
        if (!trimmed) {
          searchGeneration++;
          set({ hits: undefined });
          return;
        }
        searchTimer = setTimeout(() => void runSearch(trimmed), searchDelayMs);
      },
      open: async (id) => {
        const mine = ++openGeneration;
        const detail = await attempt(() => api.conversations.get({ id }));
        if (!detail || mine !== openGeneration) return;
        const messages = detail.messages.map(toMessage);
        const streaming = detail.messages.find((m) => m.role === 'assistant' && m.status === 'streaming');
        conversation.setState({ conversationId: detail.id, messages, activeTurnId: streaming?.turnId });
        // Text first; images and clips follow as they are read back.
        for (const stored of detail.messages.filter((m) => m.role === 'user' && m.attachments.length > 0)) {
          const attachments = await readAttachments(api, stored).catch(() => undefined);
          if (!attachments || mine !== openGeneration || conversation.getState().conversationId !== detail.id) continue;
          conversation.setState((s) => ({ messages: s.messages.map((m) => (m.id === stored.id && m.role === 'user' ? { ...m, attachments } : m)) }));
        }
      },
      startNew: () => {
        openGeneration++;
        conversation.setState({ conversationId: newId(), messages: [], activeTurnId: undefined });
      },
      rename: async (id, title) => Boolean(await attempt(() => api.conversations.rename({ id, title }))),
      remove: async (id) => {
        const result = await attempt(() => api.conversations.delete({ id }));
        if (result && conversation.getState().conversationId === id) get().startNew();
        return Boolean(result);
      },
      exportTo: async (id, formats) => {
        const result = await attempt(() => api.conversations.export({ id, formats }));
        // Cancelling the folder picker is not a failure.
        if (get().error?.code === 'CANCELLED') set({ error: undefined });
        if (result) set({ exported: result });
        return result;
      },
      dismiss: () => set({ error: undefined, exported: undefined }),
    };
  });

  api.conversations.onChanged(() => void store.getState().reload());
  void store.getState().reload();
  return store;
}

/** The summary of the conversation shown now, once it has been saved (its first turn sent). */
export const currentSummary = (list: ConversationSummary[] | undefined, id: string) => list?.find((c) => c.id === id);
