import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ConversationStore } from './conversations';

const CHILD = fileURLToPath(new URL('./testing/streamingChild.ts', import.meta.url));
const KILL_AFTER = 20;

let home: string;
afterEach(() => rmSync(home, { recursive: true, force: true }));

describe('a process killed mid-turn', () => {
  it('leaves the user message and every committed delta, and the reply is marked interrupted on the next open', async () => {
    home = mkdtempSync(path.join(os.tmpdir(), 'omnidesk-kill-'));
    const child = fork(CHILD, [home], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const committed = await new Promise<number>((resolve, reject) => {
      child.on('message', (message: { committed: number }) => {
        if (message.committed + 1 === KILL_AFTER) {
          child.kill('SIGKILL');
          resolve(message.committed + 1);
        }
      });
      child.once('exit', (code, signal) => signal !== 'SIGKILL' && reject(new Error(`the child ended early: ${code ?? signal}`)));
    });
    await new Promise((resolve) => child.once('exit', resolve));

    const store = ConversationStore.open(home);
    const [user, reply] = store.get('c1').messages;
    store.close();
    expect(user).toMatchObject({ role: 'user', text: 'Tell me a long story', status: 'complete' });
    expect(reply.status).toBe('interrupted');
    // Whole deltas only, in order, at least every one the child had reported committed before the kill.
    const kept = reply.text.split(' ').filter(Boolean).length;
    expect(kept).toBeGreaterThanOrEqual(committed);
    expect(reply.text).toBe(Array.from({ length: kept }, (_, i) => `word${i} `).join(''));
  });
});
