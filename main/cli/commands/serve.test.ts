import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTinyBundle } from '../../engine/testing/tinyBundle';
import { main } from '../index';

const bin = fileURLToPath(new URL('../bin.mjs', import.meta.url));
const scratch = mkdtempSync(path.join(os.tmpdir(), 'omnidesk-serve-cli-'));
const home = path.join(scratch, 'home');
let bundle: string;
beforeAll(async () => {
  bundle = await buildTinyBundle(scratch);
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function run(...args: string[]) {
  let stderr = '';
  const status = await main([...args, '--home', home], { out: () => undefined, err: (text) => (stderr += text) });
  return { status, stderr };
}

describe('omnidesk serve', () => {
  it('prints the URL as the first stdout line and a generated token on stderr, answers with it, and on Ctrl-C stops the reply in flight and exits', async () => {
    const child = spawn(process.execPath, [bin, 'serve', bundle, '--port', '0', '--home', home], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const exited = once(child, 'exit');
    try {
      child.stdout.setEncoding('utf8');
      while (!stdout.includes('\n')) stdout += (await once(child.stdout, 'data'))[0];
      const url = stdout.split('\n')[0];
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
      await expect.poll(() => stderr).toContain('Serving model "bundle"');
      const token = /API token \(send as "Authorization: Bearer <token>"\): (\S+)\n/.exec(stderr)?.[1];
      // 32 random bytes in base64url.
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);

      const models = await fetch(`${url}/models`, { headers: { Authorization: `Bearer ${token}` } });
      expect(models.status).toBe(200);
      expect(await models.json()).toMatchObject({ object: 'list', data: [{ id: 'bundle', object: 'model' }] });
      expect((await fetch(`${url}/models`)).status).toBe(401);

      // 4000 frames would keep the tiny talker busy for ~30 s.
      const inFlight = fetch(`${url}/chat/completions`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}` },
        body: JSON.stringify({ model: 'bundle', messages: [{ role: 'user', content: 'hi' }], modalities: ['text', 'audio'], max_audio_frames: 4000 }),
      });
      await new Promise((resolve) => setTimeout(resolve, 500));
      const interrupted = performance.now();
      child.kill('SIGINT');
      const stopped = await inFlight;
      expect(stopped.status).toBe(503);
      expect(await stopped.json()).toMatchObject({ error: { code: 'server_shutting_down' } });
      const [code] = await exited;
      expect(code).toBe(0);
      expect(performance.now() - interrupted).toBeLessThan(3000);
      expect(stderr).toContain('SIGINT: closing');
      expect(stderr.match(/API token/g)).toHaveLength(1);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('refuses a short --token and a malformed --port (usage errors, exit 2)', async () => {
    expect(await run('serve', bundle, '--token', 'short')).toMatchObject({ status: 2, stderr: expect.stringContaining('serve: --token takes at least 16 characters') });
    expect(await run('serve', bundle, '--port', 'http')).toMatchObject({ status: 2, stderr: expect.stringContaining('serve: --port takes a port number') });
    expect(await run('serve')).toMatchObject({ status: 2, stderr: expect.stringContaining('serve: give the bundle directory') });
  });
});
