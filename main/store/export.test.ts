import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConversationStore } from './conversations';
import { exportConversation, exportFolderName } from './export';

let home: string;
let store: ConversationStore;
const T0 = Date.UTC(2026, 0, 2, 9, 30);

beforeEach(async () => {
  home = mkdtempSync(path.join(os.tmpdir(), 'omnidesk-export-'));
  let clock = T0;
  store = ConversationStore.open(home, { now: () => (clock += 60_000) });
  await store.beginTurn({
    conversationId: 'conv-42',
    turnId: 't1',
    text: 'What is in this photo?',
    attachments: [{ kind: 'image', name: 'beach.png', mime: 'image/png', data: new Uint8Array([1, 2, 3]) }],
    micAudio: true,
    speak: true,
  });
  await store.saveAudio('t1', 'user', new Float32Array(16_000), 16_000);
  store.finishTurn('t1', 'A beach at sunset.', false);
  await store.saveAudio('t1', 'assistant', new Float32Array(36_000), 24_000);
  await store.beginTurn({ conversationId: 'conv-42', turnId: 't2', text: 'And the sky?', attachments: [], micAudio: false, speak: true });
  store.failTurn('t2', { code: 'ENGINE_CRASHED', message: 'The engine process crashed.' });
});
afterEach(() => {
  store.close();
  rmSync(home, { recursive: true, force: true });
});

describe('conversation export', () => {
  it('names the folder after the title, date and id, never a path', () => {
    expect(exportFolderName({ id: 'conv-42abcdef', title: 'Café trip: ../../etc', createdAt: T0 })).toBe('cafe-trip-etc-2026-01-02-conv-42a');
    expect(exportFolderName({ id: 'x', title: '…', createdAt: T0 })).toBe('conversation-2026-01-02-x');
  });

  it('writes Markdown and JSON with the images and recordings (WAV) beside them', async () => {
    const out = path.join(home, 'out');
    const result = await exportConversation(store.get('conv-42'), ['markdown', 'json'], store.media, out, T0 + 3_600_000);
    expect(result).toEqual({
      folder: path.join(out, 'what-is-in-this-photo-2026-01-02-conv-42'),
      files: ['conversation.json', 'conversation.md', 'media/t1/0-image.png', 'media/t1/microphone.wav', 'media/t1/speech.wav'],
    });
    const file = (name: string) => readFileSync(path.join(result.folder, name));
    expect(file('conversation.md').toString()).toBe(
      [
        '# What is in this photo?',
        '',
        'Exported from Omnidesk on 2026-01-02T10:30:00.000Z; 4 messages.',
        '',
        '## You · 2026-01-02 09:31 UTC',
        '',
        'What is in this photo?',
        '',
        '![beach.png](media/t1/0-image.png)',
        '',
        '[Recording (1.0 s, WAV)](media/t1/microphone.wav)',
        '',
        '## Omnidesk · 2026-01-02 09:31 UTC',
        '',
        'A beach at sunset.',
        '',
        '[Spoken reply (1.5 s, WAV)](media/t1/speech.wav)',
        '',
        '## You · 2026-01-02 09:33 UTC',
        '',
        'And the sky?',
        '',
        '## Omnidesk · 2026-01-02 09:33 UTC',
        '',
        '_Failed: The engine process crashed._',
        '',
      ].join('\n'),
    );
    const json = JSON.parse(file('conversation.json').toString());
    expect(json).toMatchObject({ format: 'omnidesk-conversation', version: 1, conversation: { id: 'conv-42', title: 'What is in this photo?', messageCount: 4 } });
    expect(json.messages[0]).toMatchObject({
      role: 'user',
      attachments: [{ kind: 'image', files: ['media/t1/0-image.png'], bytes: 3 }],
      audio: { file: 'media/t1/microphone.wav', sampleRate: 16_000, samples: 16_000 },
    });
    expect(json.messages[3]).toMatchObject({ status: 'error', error: { code: 'ENGINE_CRASHED' } });
    expect(file('media/t1/speech.wav').subarray(0, 4).toString()).toBe('RIFF');
    expect(file('media/t1/speech.wav').length).toBe(44 + 36_000 * 2);
  });

  it('exports one format alone, replaces an earlier export, and leaves no partial folder', async () => {
    const out = path.join(home, 'out');
    await exportConversation(store.get('conv-42'), ['markdown', 'json'], store.media, out, T0);
    const again = await exportConversation(store.get('conv-42'), ['json'], store.media, out, T0);
    expect(again.files).toEqual(['conversation.json', 'media/t1/0-image.png', 'media/t1/microphone.wav', 'media/t1/speech.wav']);
    expect(existsSync(path.join(again.folder, 'conversation.md'))).toBe(false);
    expect(existsSync(`${again.folder}.partial`)).toBe(false);
  });
});
