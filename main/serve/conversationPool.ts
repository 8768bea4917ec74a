/**
 * A few engine conversations shared by stateless requests. Each request carries the whole chat; a conversation
 * reuses its KV cache for the longest prefix of the new prompt it already holds (omni/conversation.ts), so a client
 * continuing its chat should land on the conversation that ran its previous turn. Messages are compared by digest
 * (role, text, media bytes); with two clients taking turns, each keeps its own conversation.
 */
import { createHash } from 'node:crypto';
import type { Conversation } from '../engine/omni/conversation';
import type { RequestPart } from './chatRequest';

/** Conversations kept, each with its whole prompt's cache. */
const POOL_SIZE = 2;

export function messageKey(role: string, parts: readonly RequestPart[]): string {
  const hash = createHash('sha256').update(role);
  for (const part of parts) {
    if (part.type === 'text') {
      hash.update(`\0text\0${part.text}`);
      continue;
    }
    const { attachment } = part;
    hash.update(`\0${attachment.kind}\0`);
    for (const bytes of attachment.kind === 'frames' ? attachment.frames : [attachment.data]) hash.update(bytes);
  }
  return hash.digest('hex');
}

interface Entry {
  conversation: Conversation;
  /** Message keys of what its cache holds: the last prompt and, once known, the reply. */
  keys: string[];
}

export class ConversationPool {
  /** Most recently used last. */
  private readonly entries: Entry[] = [];

  constructor(private readonly create: () => Conversation) {}

  /**
   * The conversation for a prompt of these messages: the one sharing the longest leading run of messages, else a
   * new one while the pool has room, else the least recently used. `ran(reply)` records what its cache then holds.
   */
  take(keys: readonly string[]): { conversation: Conversation; ran: (replyKey?: string) => void } {
    let best: Entry | undefined;
    let bestShared = 0;
    for (const entry of this.entries) {
      const shared = sharedPrefix(entry.keys, keys);
      if (shared > bestShared) [best, bestShared] = [entry, shared];
    }
    const entry = best ?? (this.entries.length < POOL_SIZE ? { conversation: this.create(), keys: [] } : this.entries[0]);
    const at = this.entries.indexOf(entry);
    if (at >= 0) this.entries.splice(at, 1);
    this.entries.push(entry);
    entry.keys = [];
    return { conversation: entry.conversation, ran: (replyKey) => (entry.keys = replyKey ? [...keys, replyKey] : [...keys]) };
  }
}

function sharedPrefix(a: readonly string[], b: readonly string[]): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}
