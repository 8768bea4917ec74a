/**
 * Conversations in SQLite (`<home>/conversations.sqlite`, WAL) with their media files beside it
 * (`<home>/media/<conversation>/<turn>/…`). Pure Node, so the desktop app, the preview server and tests share it.
 *
 * Durability: every write is its own short transaction, committed before the call returns. WAL with
 * `synchronous = NORMAL` makes a commit survive the app or the engine being killed (a power cut may lose the last
 * commits, never corrupt the file). A turn therefore exists on disk before the engine hears of it, each batch of
 * reply text is committed as it arrives, and a reply still "streaming" when the database is next opened was cut off:
 * it is marked interrupted, keeping the text that arrived.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { ChatSendRequest } from '../engine/protocol';
import { OmniError, type ErrorInfo } from '../engine/errors';
import {
  CONVERSATION_LIMITS,
  type ConversationChange,
  type ConversationDetail,
  type ConversationSummary,
  type MessageStatus,
  type SearchHit,
  type StoredAudio,
  type StoredMessage,
} from '../ipc/schemas/conversations';
import { LOCAL_BACKEND } from '../ipc/schemas/values';
import { MediaFolder } from './media';
import { migrate } from './schema';
import { encodeWav } from './wav';

export const storePaths = (home: string) => ({
  database: path.join(home, 'conversations.sqlite'),
  media: path.join(home, 'media'),
});

interface MessageRow {
  id: string;
  turn_id: string;
  role: 'user' | 'assistant';
  text: string;
  status: MessageStatus;
  attachments: string;
  audio: string | null;
  heard_samples: number | null;
  error: string | null;
  created_at: number;
}

interface SummaryRow {
  id: string;
  title: string;
  created_at: number;
  updated_at: number;
  message_count: number;
  backend: string;
}

const TITLE_FROM_TEXT_CHARS = 60;
/** Marks FTS5 puts around matched words; control characters no message text is expected to hold. */
const MATCH_START = '\u0002';
const MATCH_END = '\u0003';

const messageId = (turnId: string, role: 'user' | 'assistant') => `${turnId}-${role}`;

export function titleFor(request: Pick<ChatSendRequest, 'text' | 'attachments' | 'micAudio'>): string {
  const line = request.text.trim().split('\n', 1)[0].replace(/\s+/g, ' ');
  if (line) return line.length > TITLE_FROM_TEXT_CHARS ? `${line.slice(0, TITLE_FROM_TEXT_CHARS - 1).trimEnd()}…` : line;
  if (request.micAudio) return 'Voice message';
  const kind = request.attachments[0]?.kind;
  return kind === 'image' ? 'Image' : kind === 'frames' || kind === 'video' ? 'Video' : kind === 'audio' ? 'Audio' : 'New conversation';
}

/**
 * FTS5 query from what the user typed: each word a quoted term (so punctuation and operators are literal), the last
 * one a prefix, so results appear while typing.
 */
export function ftsQuery(input: string): string | undefined {
  const words = input.match(/[\p{L}\p{N}_]+/gu) ?? [];
  if (words.length === 0) return undefined;
  return words.map((word, i) => `"${word}"${i === words.length - 1 ? '*' : ''}`).join(' ');
}

function snippetParts(snippet: string): SearchHit['snippet'] {
  const parts: SearchHit['snippet'] = [];
  for (const [i, piece] of snippet.split(new RegExp(`[${MATCH_START}${MATCH_END}]`)).entries()) {
    if (piece) parts.push({ text: piece, match: i % 2 === 1 });
  }
  return parts;
}

export interface ConversationStoreOptions {
  now?: () => number;
}

export class ConversationStore {
  readonly media: MediaFolder;
  private readonly db: Database.Database;
  private readonly now: () => number;
  private readonly listeners = new Set<(change: ConversationChange) => void>();
  private readonly statements;
  /** Choices made for conversations not saved yet; the first turn stores one with its conversation. */
  private readonly unsavedBackends = new Map<string, string>();

  /** Opens (creating or migrating) the store in `home`, and closes out turns a previous run left streaming. */
  static open(home: string, options: ConversationStoreOptions = {}): ConversationStore {
    mkdirSync(home, { recursive: true });
    return new ConversationStore(home, options);
  }

  private constructor(home: string, options: ConversationStoreOptions) {
    const paths = storePaths(home);
    this.media = new MediaFolder(paths.media);
    this.now = options.now ?? Date.now;
    this.db = new Database(paths.database);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 2000');
    migrate(this.db, paths.database);
    this.statements = this.prepare();
    this.statements.closeStreaming.run();
  }

  private prepare() {
    const db = this.db;
    return {
      closeStreaming: db.prepare(`UPDATE messages SET status = 'interrupted' WHERE status = 'streaming'`),
      list: db.prepare<[number], SummaryRow>(
        `SELECT c.id, c.title, c.created_at, c.updated_at, c.backend, (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id) AS message_count
         FROM conversations c ORDER BY c.updated_at DESC, c.rowid DESC LIMIT ?`,
      ),
      summary: db.prepare<[string], SummaryRow>(
        `SELECT c.id, c.title, c.created_at, c.updated_at, c.backend, (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id) AS message_count
         FROM conversations c WHERE c.id = ?`,
      ),
      messages: db.prepare<[string], MessageRow>(`SELECT * FROM messages WHERE conversation_id = ? ORDER BY created_at, rowid`),
      search: db.prepare<[string, number], { conversation_id: string; title: string; id: string; role: 'user' | 'assistant'; snippet: string }>(
        `SELECT m.conversation_id, c.title, m.id, m.role, snippet(messages_fts, 0, '${MATCH_START}', '${MATCH_END}', '…', 12) AS snippet
         FROM messages_fts JOIN messages m ON m.rowid = messages_fts.rowid JOIN conversations c ON c.id = m.conversation_id
         WHERE messages_fts MATCH ? ORDER BY rank LIMIT ?`,
      ),
      searchTitles: db.prepare<[string, number], { id: string; title: string }>(
        `SELECT id, title FROM conversations WHERE title LIKE ? ESCAPE '\\' ORDER BY updated_at DESC LIMIT ?`,
      ),
      insertConversation: db.prepare(
        `INSERT INTO conversations (id, title, created_at, updated_at, backend) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
      ),
      backend: db.prepare<[string], { backend: string }>(`SELECT backend FROM conversations WHERE id = ?`),
      setBackend: db.prepare(`UPDATE conversations SET backend = ? WHERE id = ?`),
      touch: db.prepare(`UPDATE conversations SET updated_at = ? WHERE id = ?`),
      rename: db.prepare(`UPDATE conversations SET title = ? WHERE id = ?`),
      deleteConversation: db.prepare(`DELETE FROM conversations WHERE id = ?`),
      exists: db.prepare<[string], { id: string }>(`SELECT id FROM conversations WHERE id = ?`),
      insertMessage: db.prepare(
        `INSERT INTO messages (id, conversation_id, turn_id, role, text, status, attachments, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      turn: db.prepare<[string], { conversation_id: string; status: MessageStatus; heard_samples: number | null }>(
        `SELECT conversation_id, status, heard_samples FROM messages WHERE turn_id = ? AND role = 'assistant'`,
      ),
      append: db.prepare(`UPDATE messages SET text = text || ? WHERE id = ? AND status = 'streaming'`),
      finish: db.prepare(`UPDATE messages SET text = ?, status = ? WHERE id = ? AND status = 'streaming'`),
      fail: db.prepare(`UPDATE messages SET status = 'error', error = ? WHERE id = ? AND status = 'streaming'`),
      heard: db.prepare(`UPDATE messages SET heard_samples = ? WHERE id = ?`),
      audio: db.prepare(`UPDATE messages SET audio = ? WHERE id = ?`),
    };
  }

  onChange(listener: (change: ConversationChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(id: string, change: ConversationChange['change']): void {
    this.listeners.forEach((listener) => listener({ id, change }));
  }

  list(limit: number = CONVERSATION_LIMITS.listPage): ConversationSummary[] {
    return this.statements.list.all(limit).map(toSummary);
  }

  get(id: string): ConversationDetail {
    const row = this.statements.summary.get(id);
    if (!row) throw notFound(id);
    return { ...toSummary(row), messages: this.statements.messages.all(id).map(toMessage) };
  }

  /** Messages whose words match (every word, the last as a prefix), then conversations whose title does. */
  search(query: string, limit: number = CONVERSATION_LIMITS.searchHits): SearchHit[] {
    const fts = ftsQuery(query);
    const hits: SearchHit[] = fts
      ? this.statements.search.all(fts, limit).map((row) => ({
          conversationId: row.conversation_id,
          title: row.title,
          messageId: row.id,
          role: row.role,
          snippet: snippetParts(row.snippet),
        }))
      : [];
    const like = `%${query.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    for (const row of this.statements.searchTitles.all(like, limit)) {
      if (hits.length >= limit) break;
      if (!hits.some((hit) => hit.conversationId === row.id)) {
        hits.push({ conversationId: row.id, title: row.title, messageId: '', role: 'user', snippet: [] });
      }
    }
    return hits;
  }

  rename(id: string, title: string): ConversationSummary {
    if (this.statements.rename.run(title.trim(), id).changes === 0) throw notFound(id);
    this.changed(id, 'renamed');
    return toSummary(this.statements.summary.get(id)!);
  }

  /** Rows first, in one transaction, then the media folder; a folder left by a crash in between is swept at open. */
  async delete(id: string): Promise<boolean> {
    const deleted = this.statements.deleteConversation.run(id).changes > 0;
    await this.media.removeConversation(id);
    if (deleted) this.changed(id, 'deleted');
    return deleted;
  }

  /** Removes media folders of conversations that no longer exist. */
  sweepMedia = () => this.media.sweep((id) => this.statements.exists.get(id) !== undefined);

  /** Who answers a conversation: as stored, as chosen before its first turn, or undefined where nobody chose. */
  backendOf(id: string): string | undefined {
    return this.statements.backend.get(id)?.backend ?? this.unsavedBackends.get(id);
  }

  setBackend(id: string, backend: string): void {
    if (this.statements.setBackend.run(backend, id).changes > 0) this.changed(id, 'updated');
    else this.unsavedBackends.set(id, backend);
  }

  /**
   * Records a turn before the engine is asked: the conversation (created on its first turn, answered by
   * `backend`), the user's message with its attachments written to the media folder, and the reply as an empty
   * streaming message.
   */
  async beginTurn(request: ChatSendRequest, backend: string = LOCAL_BACKEND): Promise<void> {
    if (this.statements.turn.get(request.turnId)) {
      throw new OmniError('INVALID_REQUEST', `Turn ${request.turnId} already exists`, 'Send a new turn id for every message.');
    }
    const attachments = await this.media.saveAttachments(request.conversationId, request.turnId, request.attachments);
    const now = this.now();
    let created = false;
    this.db.transaction(() => {
      created = this.statements.insertConversation.run(request.conversationId, titleFor(request), now, now, backend).changes > 0;
      this.statements.touch.run(now, request.conversationId);
      this.statements.insertMessage.run(messageId(request.turnId, 'user'), request.conversationId, request.turnId, 'user', request.text, 'complete', JSON.stringify(attachments), now);
      this.statements.insertMessage.run(messageId(request.turnId, 'assistant'), request.conversationId, request.turnId, 'assistant', '', 'streaming', '[]', now);
    })();
    if (created) this.unsavedBackends.delete(request.conversationId);
    this.changed(request.conversationId, created ? 'created' : 'updated');
  }

  /** One committed batch of reply text; ignored once the reply ended. */
  appendText(turnId: string, text: string): void {
    if (text) this.statements.append.run(text, messageId(turnId, 'assistant'));
  }

  /** The engine's final text replaces the streamed one (it is the heard part when the user interrupted). */
  finishTurn(turnId: string, text: string, interrupted: boolean): void {
    this.endTurn(turnId, () => this.statements.finish.run(text, interrupted ? 'interrupted' : 'complete', messageId(turnId, 'assistant')).changes);
  }

  /** Keeps whatever text arrived, with the error that ended the turn. */
  failTurn(turnId: string, error: ErrorInfo): void {
    this.endTurn(turnId, () => this.statements.fail.run(JSON.stringify(error), messageId(turnId, 'assistant')).changes);
  }

  setHeardSamples(turnId: string, samples: number): void {
    this.statements.heard.run(samples, messageId(turnId, 'assistant'));
  }

  /** Stores a turn's recording as WAV; a reply the user interrupted keeps only the samples they heard. */
  async saveAudio(turnId: string, role: 'user' | 'assistant', samples: Float32Array, sampleRate: number): Promise<StoredAudio> {
    const turn = this.statements.turn.get(turnId);
    if (!turn) throw new OmniError('TURN_NOT_FOUND', `No stored turn ${turnId} to attach audio to`);
    const heard = role === 'assistant' && turn.heard_samples !== null ? samples.subarray(0, turn.heard_samples) : samples;
    const audio: StoredAudio = {
      file: `${this.media.turnDir(turn.conversation_id, turnId)}/${role === 'user' ? 'microphone' : 'speech'}.wav`,
      sampleRate,
      samples: heard.length,
    };
    await this.media.write(audio.file, encodeWav(heard, sampleRate));
    this.statements.audio.run(JSON.stringify(audio), messageId(turnId, role));
    this.changed(turn.conversation_id, 'updated');
    return audio;
  }

  close(): void {
    this.db.close();
  }

  private endTurn(turnId: string, write: () => number): void {
    const turn = this.statements.turn.get(turnId);
    if (!turn) return;
    this.db.transaction(() => {
      if (write() > 0) this.statements.touch.run(this.now(), turn.conversation_id);
    })();
    this.changed(turn.conversation_id, 'updated');
  }
}

const notFound = (id: string) =>
  new OmniError('INVALID_REQUEST', `There is no conversation ${id}`, 'It may have been deleted in another window; reload the list.');

const toSummary = (row: SummaryRow): ConversationSummary => ({
  id: row.id,
  title: row.title,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  messageCount: row.message_count,
  backend: row.backend,
});

function toMessage(row: MessageRow): StoredMessage {
  return {
    id: row.id,
    turnId: row.turn_id,
    role: row.role,
    text: row.text,
    status: row.status,
    createdAt: row.created_at,
    attachments: JSON.parse(row.attachments) as StoredMessage['attachments'],
    ...(row.audio ? { audio: JSON.parse(row.audio) as StoredAudio } : {}),
    ...(row.heard_samples !== null ? { heardSamples: row.heard_samples } : {}),
    ...(row.error ? { error: JSON.parse(row.error) as ErrorInfo } : {}),
  };
}
