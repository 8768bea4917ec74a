import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChatSendRequest } from '../engine/protocol';
import { ConversationStore, storePaths } from './conversations';
import { MIGRATIONS, SCHEMA_VERSION } from './schema';

const homes: string[] = [];
const stores: ConversationStore[] = [];
afterEach(() => {
  stores.splice(0).forEach((store) => store.close());
  homes.splice(0).forEach((home) => rmSync(home, { recursive: true, force: true }));
});

function open(home = mkdtempSync(path.join(os.tmpdir(), 'omnidesk-backends-'))) {
  if (!homes.includes(home)) homes.push(home);
  const store = ConversationStore.open(home);
  stores.push(store);
  return { store, home };
}

const turn = (conversationId: string, turnId: string): ChatSendRequest => ({ conversationId, turnId, text: 'Hi', attachments: [], micAudio: false, speak: false });

describe('who answers a conversation', () => {
  it('a database from before remote servers opens with every conversation answered locally', () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'omnidesk-backends-'));
    const old = new Database(storePaths(home).database);
    old.exec(MIGRATIONS[0]);
    old.pragma('user_version = 1');
    old.prepare(`INSERT INTO conversations (id, title, created_at, updated_at) VALUES ('old', 'From last year', 1, 2)`).run();
    old.close();

    const { store } = open(home);
    expect(store.list()).toEqual([{ id: 'old', title: 'From last year', createdAt: 1, updatedAt: 2, messageCount: 0, backend: 'local' }]);
    store.close();
    stores.pop();
    const reopened = new Database(storePaths(home).database, { readonly: true });
    expect(reopened.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(SCHEMA_VERSION).toBe(2);
    reopened.close();
  });

  it('a conversation is created with the backend its first turn names, and later turns keep it', async () => {
    const { store } = open();
    await store.beginTurn(turn('c1', 't1'), 'server-1');
    await store.beginTurn(turn('c1', 't2'), 'local');
    expect(store.get('c1').backend).toBe('server-1');
    expect(store.backendOf('c1')).toBe('server-1');
    expect(store.backendOf('never-seen')).toBeUndefined();
  });

  it('a choice made before the first turn is remembered until that turn, which stores it', async () => {
    const { store } = open();
    const changes: string[] = [];
    store.onChange((change) => changes.push(`${change.id} ${change.change}`));
    store.setBackend('new', 'server-1');
    expect(store.backendOf('new')).toBe('server-1');
    expect(store.list()).toEqual([]);
    await store.beginTurn(turn('new', 't1'), store.backendOf('new'));
    expect(store.get('new').backend).toBe('server-1');
    expect(changes).toEqual(['new created']);
  });

  it('switching a saved conversation is stored and announced, and survives a reopen', async () => {
    const { store, home } = open();
    await store.beginTurn(turn('c1', 't1'));
    const changes: string[] = [];
    store.onChange((change) => changes.push(`${change.id} ${change.change}`));
    store.setBackend('c1', 'server-2');
    expect(changes).toEqual(['c1 updated']);
    store.close();
    stores.pop();
    expect(open(home).store.get('c1').backend).toBe('server-2');
  });
});
