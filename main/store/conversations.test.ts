import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChatSendRequest } from '../engine/protocol';
import { ConversationStore, ftsQuery, storePaths, titleFor } from './conversations';
import { SCHEMA_VERSION } from './schema';

const homes: string[] = [];
const stores: ConversationStore[] = [];
afterEach(() => {
  stores.splice(0).forEach((store) => store.close());
  homes.splice(0).forEach((home) => rmSync(home, { recursive: true, force: true }));
});

function open(home = mkdtempSync(path.join(os.tmpdir(), 'omnidesk-store-'))) {
  if (!homes.includes(home)) homes.push(home);
  let clock = 1_000;
  const store = ConversationStore.open(home, { now: () => (clock += 1_000) });
  stores.push(store);
  return { store, home };
}

const send = (turnId: string, text: string, extra: Partial<ChatSendRequest> = {}): ChatSendRequest => ({
  conversationId: 'c1',
  turnId,
  text,
  attachments: [],
  micAudio: false,
  speak: false,
  ...extra,
});

describe('conversation store', () => {
  it('creates the database in WAL mode at the current schema version', () => {
    const { home, store } = open();
    store.close();
    stores.pop();
    const db = new Database(storePaths(home).database, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    db.close();
  });

  it('records a turn before the engine answers: the user message complete, the reply empty and streaming', async () => {
    const { store } = open();
    await store.beginTurn(send('t1', 'Plan a trip to Lisbon\nwith kids'));
    expect(store.get('c1')).toEqual({
      id: 'c1',
      title: 'Plan a trip to Lisbon',
      createdAt: 2_000,
      updatedAt: 2_000,
      messageCount: 2,
      backend: 'local',
      messages: [
        { id: 't1-user', turnId: 't1', role: 'user', text: 'Plan a trip to Lisbon\nwith kids', status: 'complete', createdAt: 2_000, attachments: [] },
        { id: 't1-assistant', turnId: 't1', role: 'assistant', text: '', status: 'streaming', createdAt: 2_000, attachments: [] },
      ],
    });
  });

  it('appends streamed text, then takes the engine’s final text; a late delta changes nothing', async () => {
    const { store } = open();
    await store.beginTurn(send('t1', 'Hi'));
    store.appendText('t1', 'Hel');
    store.appendText('t1', 'lo');
    expect(store.get('c1').messages[1]).toMatchObject({ text: 'Hello', status: 'streaming' });
    store.finishTurn('t1', 'Hello!', false);
    store.appendText('t1', ' again');
    expect(store.get('c1').messages[1]).toMatchObject({ text: 'Hello!', status: 'complete' });
    expect(store.get('c1').updatedAt).toBe(3_000);
  });

  it('keeps the text that arrived when a turn fails, with the error', async () => {
    const { store } = open();
    await store.beginTurn(send('t1', 'Hi'));
    store.appendText('t1', 'Partial');
    store.failTurn('t1', { code: 'ENGINE_CRASHED', message: 'The engine process was killed by SIGKILL.' });
    expect(store.get('c1').messages[1]).toMatchObject({
      text: 'Partial',
      status: 'error',
      error: { code: 'ENGINE_CRASHED', message: 'The engine process was killed by SIGKILL.' },
    });
  });

  it('marks replies still streaming when it is next opened as interrupted, keeping their text', async () => {
    const { store, home } = open();
    await store.beginTurn(send('t1', 'Hi'));
    store.appendText('t1', 'Half an ans');
    store.close();
    stores.pop();
    const reopened = open(home).store;
    expect(reopened.get('c1').messages[1]).toMatchObject({ text: 'Half an ans', status: 'interrupted' });
  });

  it('refuses a turn id that already exists', async () => {
    const { store } = open();
    await store.beginTurn(send('t1', 'Hi'));
    await expect(store.beginTurn(send('t1', 'Again'))).rejects.toMatchObject({ code: 'INVALID_REQUEST', message: 'Turn t1 already exists' });
  });

  it('writes attachments under media/<conversation>/<turn>/ with names of its own, never the user’s', async () => {
    const { store, home } = open();
    const png = new Uint8Array([137, 80, 78, 71]);
    const frames = [new Uint8Array([0xff, 0xd8, 1]), new Uint8Array([0xff, 0xd8, 2])];
    await store.beginTurn(
      send('t1', '', {
        attachments: [
          { kind: 'image', name: '../../etc/passwd.png', mime: 'image/png', data: png },
          { kind: 'frames', name: 'Webcam', fps: 2, frames },
        ],
      }),
    );
    const [user] = store.get('c1').messages;
    expect(store.get('c1').title).toBe('Image');
    expect(user.attachments).toEqual([
      { kind: 'image', name: '../../etc/passwd.png', mime: 'image/png', files: ['c1/t1/0-image.png'], bytes: 4 },
      { kind: 'frames', name: 'Webcam', mime: 'image/jpeg', files: ['c1/t1/1-frames/0000.jpg', 'c1/t1/1-frames/0001.jpg'], bytes: 6 },
    ]);
    expect([...readFileSync(path.join(storePaths(home).media, 'c1', 't1', '0-image.png'))]).toEqual([137, 80, 78, 71]);
    await expect(store.media.read('c1/t1/1-frames/0001.jpg')).resolves.toEqual({ mime: 'image/jpeg', data: new Uint8Array([0xff, 0xd8, 2]) });
    await expect(store.media.read('c1/../../x.png')).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
  });

  it('stores a reply’s audio as 16-bit WAV, cut to the samples the user heard', async () => {
    const { store, home } = open();
    await store.beginTurn(send('t1', 'Hi'));
    store.setHeardSamples('t1', 3);
    const audio = await store.saveAudio('t1', 'assistant', new Float32Array([0.5, -0.5, 1, 0.25, 0.25]), 24_000);
    expect(audio).toEqual({ file: 'c1/t1/speech.wav', sampleRate: 24_000, samples: 3 });
    const wav = readFileSync(path.join(storePaths(home).media, 'c1', 't1', 'speech.wav'));
    expect(wav.length).toBe(44 + 3 * 2);
    expect([wav.readInt16LE(44), wav.readInt16LE(46), wav.readInt16LE(48)]).toEqual([16384, -16384, 32767]);
    expect(store.get('c1').messages[1]).toMatchObject({ heardSamples: 3, audio });
    await expect(store.saveAudio('nope', 'user', new Float32Array(1), 16_000)).rejects.toMatchObject({ code: 'TURN_NOT_FOUND' });
  });

  it('lists conversations most recently used first, with their message counts', async () => {
    const { store } = open();
    await store.beginTurn(send('t1', 'First', { conversationId: 'a' }));
    await store.beginTurn(send('t2', 'Second', { conversationId: 'b' }));
    await store.beginTurn(send('t3', 'More', { conversationId: 'a' }));
    expect(store.list().map((c) => [c.id, c.title, c.messageCount])).toEqual([
      ['a', 'First', 4],
      ['b', 'Second', 2],
    ]);
  });

  it('finds finished messages by words and word prefixes, ignoring case and accents, with the match marked', async () => {
    const { store } = open();
    await store.beginTurn(send('t1', 'Where is the Café Nicola?'));
    store.finishTurn('t1', 'It is on Rossio square in Lisbon.', false);
    await store.beginTurn(send('t2', 'Thanks', { conversationId: 'c2' }));
    store.appendText('t2', 'Lisbon again, still streaming');
    expect(store.search('cafe').map((hit) => [hit.conversationId, hit.messageId, hit.snippet])).toEqual([
      ['c1', 't1-user', [{ text: 'Where is the ', match: false }, { text: 'Café', match: true }, { text: ' Nicola?', match: false }]],
    ]);
    expect(store.search('lisb').map((hit) => hit.messageId)).toEqual(['t1-assistant']);
    expect(store.search('rossio LISBON').map((hit) => hit.messageId)).toEqual(['t1-assistant']);
    expect(store.search('"; DROP TABLE messages; --')).toEqual([]);
    expect(store.list()).toHaveLength(2);
  });

  it('finds a conversation by its title too, once', async () => {
    const { store } = open();
    await store.beginTurn(send('t1', 'Hello'));
    store.rename('c1', 'Weekend 100% plans');
    expect(store.search('100%')).toEqual([{ conversationId: 'c1', title: 'Weekend 100% plans', messageId: '', role: 'user', snippet: [] }]);
  });

  it('renames and tells listeners; an unknown id is refused by name', async () => {
    const { store } = open();
    const changes: unknown[] = [];
    store.onChange((change) => changes.push(change));
    await store.beginTurn(send('t1', 'Hello'));
    expect(store.rename('c1', '  Greetings ')).toMatchObject({ id: 'c1', title: 'Greetings' });
    expect(() => store.rename('zz', 'x')).toThrow('There is no conversation zz');
    expect(changes).toEqual([
      { id: 'c1', change: 'created' },
      { id: 'c1', change: 'renamed' },
    ]);
  });

  it('deletes the rows, the search index entries and the media folder', async () => {
    const { store, home } = open();
    await store.beginTurn(send('t1', 'Secret plans', { attachments: [{ kind: 'image', name: 'a.png', mime: 'image/png', data: new Uint8Array([1]) }] }));
    store.finishTurn('t1', 'Noted', false);
    await expect(store.delete('c1')).resolves.toBe(true);
    expect(store.list()).toEqual([]);
    expect(store.search('secret')).toEqual([]);
    expect(existsSync(path.join(storePaths(home).media, 'c1'))).toBe(false);
    await expect(store.delete('c1')).resolves.toBe(false);
  });

  it('sweeps media folders whose conversation is gone (a crash between deleting rows and files)', async () => {
    const { store, home } = open();
    await store.beginTurn(send('t1', 'Keep', { conversationId: 'keep', attachments: [{ kind: 'image', name: 'a.png', mime: 'image/png', data: new Uint8Array([1]) }] }));
    await store.media.write('orphan/t9/0-image.png', new Uint8Array([1]));
    await expect(store.sweepMedia()).resolves.toEqual(['orphan']);
    expect(existsSync(path.join(storePaths(home).media, 'keep', 't1', '0-image.png'))).toBe(true);
  });

  it('refuses a database written by a newer version instead of guessing', () => {
    const { home, store } = open();
    store.close();
    stores.pop();
    const db = new Database(storePaths(home).database);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => ConversationStore.open(home)).toThrow(`written by a newer Omnidesk (schema ${SCHEMA_VERSION + 1}; this version reads up to ${SCHEMA_VERSION})`);
  });
});

describe('titles and queries', () => {
  it('titles a conversation by its first line, shortened, or by what was sent', () => {
    const base = { attachments: [], micAudio: false };
    expect(titleFor({ ...base, text: '  What   is\tthis?\nMore' })).toBe('What is this?');
    expect(titleFor({ ...base, text: 'x'.repeat(80) })).toBe(`${'x'.repeat(59)}…`);
    expect(titleFor({ ...base, text: '', micAudio: true })).toBe('Voice message');
    expect(titleFor({ ...base, text: '' })).toBe('New conversation');
  });

  it('quotes every word and makes the last a prefix', () => {
    expect(ftsQuery('café NEAR/2 "x" OR')).toBe('"café" "NEAR" "2" "x" "OR"*');
    expect(ftsQuery(' -- ')).toBeUndefined();
  });
});
