import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { WebSocket } from 'ws';
import { CONTENT_SECURITY_POLICY } from '../app/security';
import { startPreviewServer, type PreviewServer } from './server';
import { decodeFrame, encodeFrame, type ClientMessage, type ServerMessage } from './wire';
import { suiteTempDir, testTempDir } from '../../test/tempDir';


function rendererFixture(dir: string): string {
  mkdirSync(path.join(dir, 'assets'));
  writeFileSync(
    path.join(dir, 'index.html'),
    '<!doctype html><title>Omnidesk</title>',
  );
  writeFileSync(path.join(dir, 'assets', 'app.js'), 'export {};\n');
  symlinkSync(path.resolve('package.json'), path.join(dir, 'assets', 'linked.json'));
  return dir;
}

/** A page's side of the bridge, spoken with a plain WebSocket client. */
class BridgeClient {
  private readonly inbox: ServerMessage[] = [];
  private readonly waiters: Array<() => void> = [];
  private nextId = 1;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data, isBinary) => {
      const frame = isBinary ? new Uint8Array(data as Buffer) : data.toString();
      this.inbox.push(decodeFrame(frame).message as ServerMessage);
      this.waiters.splice(0).forEach((wake) => wake());
    });
  }

  static open(url: string, headers: Record<string, string>): Promise<BridgeClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, { headers });
      socket.once('open', () => resolve(new BridgeClient(socket)));
      socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      socket.once('error', reject);
    });
  }

  send(message: ClientMessage | string | Uint8Array) {
    this.socket.send(typeof message === 'object' && !(message instanceof Uint8Array) ? encodeFrame(message) : message);
  }

  /** The first message (already received or still to come) that matches, removed from the inbox. */
  async next<K extends ServerMessage['kind']>(
    kind: K,
    match: (message: Extract<ServerMessage, { kind: K }>) => boolean = () => true,
  ): Promise<Extract<ServerMessage, { kind: K }>> {
    for (;;) {
      const index = this.inbox.findIndex((m) => m.kind === kind && match(m as Extract<ServerMessage, { kind: K }>));
      if (index >= 0) return this.inbox.splice(index, 1)[0] as Extract<ServerMessage, { kind: K }>;
      await new Promise<void>((wake) => this.waiters.push(wake));
    }
  }

  async invoke(channel: string, payload: unknown = {}) {
    const id = this.nextId++;
    this.send({ kind: 'invoke', id, channel, payload });
    return (await this.next('result', (m) => m.id === id)).result;
  }

  close() {
    this.socket.close();
  }
}

function httpGet(server: PreviewServer, rawPath: string, { host = new URL(server.origin).host, method = 'GET' } = {}) {
  const { hostname, port } = new URL(server.origin);
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
    // `path` is sent exactly as written: no client-side normalisation of "..".
    const req = request({ hostname, port, path: rawPath, method, headers: { host } }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject).end();
  });
}

const canConnect = (host: string, port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ host, port }, () => {
      socket.destroy();
      resolve(true);
    }).on('error', () => resolve(false));
  });

describe('preview server', () => {
  let server: PreviewServer;
  let bridgeUrl: string;
  const pageHeaders = () => ({ Origin: server.origin });
  const rendererDir = rendererFixture(suiteTempDir('renderer'));
  const home = suiteTempDir('home');

  beforeAll(async () => {
    server = await startPreviewServer({ rendererDir, home });
    bridgeUrl = `${server.origin.replace('http', 'ws')}/bridge?token=${server.token}`;
  });
  afterAll(() => server?.close());

  it('listens on 127.0.0.1 only and prints the token in the URL fragment', async () => {
    const { port } = new URL(server.origin);
    expect(server.url).toBe(`http://127.0.0.1:${port}/#token=${server.token}`);
    expect(Buffer.from(server.token, 'base64url')).toHaveLength(32);
    expect(await canConnect('127.0.0.1', Number(port))).toBe(true);
    expect(await canConnect('::1', Number(port))).toBe(false);
    const external = Object.values(os.networkInterfaces())
      .flat()
      .filter((nic) => nic && !nic.internal)
      .map((nic) => nic!.address);
    for (const address of external) expect(await canConnect(address, Number(port)), address).toBe(false);
  });

  it('serves the built renderer with the desktop app’s Content-Security-Policy header', async () => {
    const index = await httpGet(server, '/');
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(index.headers['x-content-type-options']).toBe('nosniff');
    const script = await httpGet(server, '/assets/app.js?v=1');
    expect([script.status, script.headers['content-type'], script.body]).toEqual([200, 'text/javascript; charset=utf-8', 'export {};\n']);
    expect((await httpGet(server, '/assets/missing.js')).status).toBe(404);
    expect((await httpGet(server, 'http://127.0.0.1/index.html')).status).toBe(400);
  });

  it('answers only GET and HEAD', async () => {
    expect((await httpGet(server, '/', { method: 'HEAD' })).status).toBe(200);
    for (const method of ['POST', 'PUT', 'DELETE', 'TRACE']) expect((await httpGet(server, '/', { method })).status, method).toBe(405);
  });

  it.each(['/assets/linked.json', '/../package.json', '/assets/../../package.json', '/%2e%2e/package.json', '/..%2fpackage.json', '/..%5cpackage.json', '/%00', '/%E0%A4%A'])(
    'refuses %s instead of leaving the renderer folder',
    async (rawPath) => {
      const response = await httpGet(server, rawPath);
      expect(response.status).toBe(404);
      expect(response.body).toBe('Not found');
    },
  );

  it('refuses requests addressed to another host name (DNS rebinding)', async () => {
    expect((await httpGet(server, '/', { host: 'attacker.example:80' })).status).toBe(403);
  });

  it.each([
    ['no token', (url: string) => url.replace(/\?token=.*/, ''), {}],
    ['a wrong token', (url: string) => url.replace(/token=./, 'token=A'), {}],
    ['a truncated token', (url: string) => url.slice(0, -2), {}],
    ['another page’s Origin', (url: string) => url, { Origin: 'http://localhost:1' }],
    ['no Origin (a non-browser client)', (url: string) => url, { Origin: '' }],
    ['another path', (url: string) => url.replace('/bridge', '/other'), {}],
  ])('rejects a bridge connection with %s before the upgrade (403)', async (_name, alter, headers) => {
    const chosen = { ...pageHeaders(), ...headers };
    const sent = Object.fromEntries(Object.entries(chosen).filter(([, value]) => value !== ''));
    await expect(BridgeClient.open(alter(bridgeUrl), sent)).rejects.toThrow('HTTP 403');
  });

  it('round-trips system.info through the real engine process', async () => {
    const page = await BridgeClient.open(bridgeUrl, pageHeaders());
    const result = await page.invoke('system.info');
    page.close();
    expect(result.ok).toBe(true);
    const info = (result as { value: { shell: string; app: { name: string }; engine: { onnxruntime: { version: string }; executionProviders: Array<{ name: string; available: boolean }> } } }).value;
    expect(info.shell).toBe('preview');
    expect(info.app.name).toBe('Omnidesk');
    expect(info.engine.onnxruntime.version).toBe('1.30.0');
    expect(info.engine.executionProviders).toContainEqual(expect.objectContaining({ name: 'cpu', available: true }));
  });

  it('reports the engine ready and answers chat.send with the engine’s explanation', async () => {
    const page = await BridgeClient.open(bridgeUrl, pageHeaders());
    await page.invoke('system.info');
    expect(await page.invoke('engine.status')).toMatchObject({ ok: true, value: { state: 'ready', restarts: 0 } });
    const turn = { conversationId: 'c1', turnId: 't1', text: 'Hello', attachments: [], micAudio: false, speak: false };
    expect(await page.invoke('chat.send', turn)).toMatchObject({
      ok: false,
      error: { code: 'MODEL_NOT_INSTALLED', hint: expect.stringContaining('omnidesk build') },
    });
    page.close();
  });

  it('carries chat attachments as binary and lets dispatch validate them', async () => {
    const page = await BridgeClient.open(bridgeUrl, pageHeaders());
    const image = { kind: 'image', name: 'a.png', mime: 'image/png', data: new Uint8Array([137, 80, 78, 71]) };
    const turn = { conversationId: 'c1', turnId: 't2', text: '', attachments: [image], micAudio: false, speak: false };
    expect(await page.invoke('chat.send', turn)).toMatchObject({ ok: false, error: { code: 'MODEL_NOT_INSTALLED' } });
    const empty = { ...turn, attachments: [{ ...image, data: new Uint8Array(0) }] };
    expect(await page.invoke('chat.send', empty)).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
    page.close();
  });

  it('relays a binary microphone chunk to the engine stream and its mic.received answer back', async () => {
    const page = await BridgeClient.open(bridgeUrl, pageHeaders());
    const opened = page.next('stream.opened', (m) => m.nonce === 'n1');
    expect(await page.invoke('engine.openStream', { nonce: 'n1' })).toEqual({ ok: true, value: { nonce: 'n1' } });
    const { streamId } = await opened;
    const pcm = new Float32Array(1600).fill(0.25).buffer;
    page.send({ kind: 'stream', streamId, message: { type: 'mic.chunk', turnId: 'm1', seq: 0, sampleRate: 16000, format: 'f32', pcm } });
    page.send({ kind: 'stream', streamId, message: { type: 'mic.end', turnId: 'm1', seq: 1 } });
    expect((await page.next('stream', (m) => m.streamId === streamId)).message).toEqual({ type: 'mic.received', turnId: 'm1', samples: 1600 });

    page.send({ kind: 'stream', streamId, message: { type: 'mic.chunk', turnId: 'm2', seq: 0, sampleRate: 16000, format: 'f32', pcm: 'not bytes' } });
    expect((await page.next('stream', (m) => m.streamId === streamId)).message).toMatchObject({ type: 'stream.error', error: { code: 'INVALID_REQUEST' } });
    page.close();
  });

  it('limits a page to four engine streams; another page has its own', async () => {
    const page = await BridgeClient.open(bridgeUrl, pageHeaders());
    const open = (nonce: string) => page.invoke('engine.openStream', { nonce });
    for (const nonce of ['a', 'b', 'c', 'd']) expect(await open(nonce)).toMatchObject({ ok: true });
    expect(await open('e')).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST', message: expect.stringContaining('at most 4') } });
    page.close();
    const next = await BridgeClient.open(bridgeUrl, pageHeaders());
    expect(await next.invoke('engine.openStream', { nonce: 'f' })).toMatchObject({ ok: true });
    next.close();
  });

  it('answers malformed frames with an error and keeps the connection usable', async () => {
    const page = await BridgeClient.open(bridgeUrl, pageHeaders());
    const garbage: Array<string | Uint8Array> = [
      '{"kind":',
      '{"kind":"launch-missiles"}',
      '{"kind":"stream","streamId":99,"message":{}}',
      new Uint8Array([255, 255, 255, 255, 1]),
    ];
    for (const frame of garbage) {
      page.send(frame);
      expect((await page.next('error')).error).toMatchObject({ code: 'INVALID_REQUEST', message: expect.stringMatching(/^Preview bridge: /) });
    }
    expect(await page.invoke('no.such.channel')).toMatchObject({ ok: false, error: { code: 'UNKNOWN_CHANNEL' } });
    expect(await page.invoke('engine.status')).toMatchObject({ ok: true });
    page.close();
  });

  it('closes a connection whose frame exceeds the size limit, and stays up for others', async () => {
    const page = await BridgeClient.open(bridgeUrl, pageHeaders());
    const closed = new Promise<number>((resolve) => page.socket.once('close', resolve));
    page.socket.send(new Uint8Array(41 * 1024 * 1024));
    expect(await closed).toBe(1009);
    const other = await BridgeClient.open(bridgeUrl, pageHeaders());
    expect(await other.invoke('engine.status')).toMatchObject({ ok: true });
    other.close();
  });
});

describe('preview server lifetime', () => {
  it('stops the engine it started when it closes', async () => {
    const server = await startPreviewServer({ rendererDir: rendererFixture(testTempDir('renderer')), home: testTempDir('home') });
    const page = await BridgeClient.open(`${server.origin.replace('http', 'ws')}/bridge?token=${server.token}`, { Origin: server.origin });
    const info = await page.invoke('system.info');
    const pid = (info as { value: { engine: { pid: number } } }).value.engine.pid;
    await server.close();
    await expect.poll(() => { try { process.kill(pid, 0); return 'running'; } catch { return 'gone'; } }).toBe('gone');
  });

  it('explains a missing renderer build instead of serving nothing', async () => {
    await expect(startPreviewServer({ rendererDir: path.join(os.tmpdir(), 'no-such-renderer') })).rejects.toThrow(/electron-vite build/);
  });
});
