import { describe, expect, it } from 'vitest';
import net, { type AddressInfo } from 'node:net';
import { OmniError } from '../errors';
import type { RemoteBackend } from '../protocol';
import { listRemoteModels, openChatStream } from './client';
import { fixture, replayServerPerTest, sendInPieces, type Respond } from './testing/replayServer';

const remote = replayServerPerTest({ model: 'qwen3-omni', apiKey: 'sk-test' });
const serve = remote.serve;

const host = () => new URL(remote.server.baseUrl).host;
const json = (status: number, body: unknown): Respond => (_req, res) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

async function collect(stream: AsyncIterable<unknown>): Promise<unknown[]> {
  const items: unknown[] = [];
  for await (const item of stream) items.push(item);
  return items;
}

/** The OmniError a promise rejects with, as plain data. */
async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string; hint?: string }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OmniError);
  return (error as OmniError).toInfo();
}

const chat = (backend: RemoteBackend, timeouts = { connectMs: 2000, idleMs: 2000 }) => openChatStream(backend, { model: backend.model, messages: [] }, { timeouts });

describe('openChatStream', () => {
  it('posts the body as JSON with the bearer key and yields each event of a stream cut at awkward places', async () => {
    const backend = await serve((_req, res) => sendInPieces(res, fixture('vllm-omni/stream-text-only.sse')));
    const chunks = await collect(await openChatStream(backend, { model: 'qwen3-omni', messages: [], stream: true }));
    expect(chunks).toHaveLength(10);
    expect(chunks.map((c) => (c as { choices: { delta: { content: string } }[] }).choices[0].delta.content).join('')).toBe('Hello! How can I help you today?');
    const [request] = remote.server.requests;
    expect(request).toMatchObject({ method: 'POST', url: '/v1/chat/completions', body: { model: 'qwen3-omni', messages: [], stream: true } });
    expect(request.headers).toMatchObject({ authorization: 'Bearer sk-test', 'content-type': 'application/json' });
  });

  it('reads CRLF line breaks split between CR and LF', async () => {
    const crlf = Buffer.from(fixture('vllm-omni/stream-text-only.sse').toString().replace(/\n/g, '\r\n'));
    const backend = await serve((_req, res) => sendInPieces(res, crlf));
    expect(await collect(await chat(backend))).toHaveLength(10);
  });

  it('yields a non-streamed JSON completion alone when the server ignores stream: true', async () => {
    const body = JSON.parse(fixture('vllm-omni/complete-text-only.json').toString());
    const backend = await serve(json(200, body));
    expect(await collect(await chat(backend))).toEqual([body]);
  });

  it('sends no authorization header without a key', async () => {
    const backend = await serve((_req, res) => sendInPieces(res, fixture('vllm-omni/stream-text-only.sse')));
    await collect(await chat({ ...backend, apiKey: undefined }));
    expect(remote.server.requests[0].headers.authorization).toBeUndefined();
  });

  it('names the server when the connection is refused', async () => {
    const port = await closedPort();
    expect(await failure(chat({ baseUrl: `http://127.0.0.1:${port}/v1`, model: 'm' }))).toEqual({
      code: 'REMOTE_UNREACHABLE',
      message: `Could not reach 127.0.0.1:${port}: connection refused.`,
      hint: 'Check that the server is running and listening on that port.',
    });
  });

  it('says the host name was not found', async () => {
    // .invalid never resolves (RFC 6761), with or without a network.
    expect(await failure(chat({ baseUrl: 'http://no-such-host.invalid:8091/v1', model: 'm' }))).toEqual({
      code: 'REMOTE_UNREACHABLE',
      message: 'Could not reach no-such-host.invalid:8091: the host name no-such-host.invalid was not found.',
      hint: 'Check the host name in the base URL.',
    });
  });

  it('reports a TLS failure when https meets a plain http server', async () => {
    const backend = await serve(json(200, {}));
    const error = await failure(chat({ ...backend, baseUrl: backend.baseUrl.replace('http:', 'https:') }));
    expect(error.code).toBe('REMOTE_UNREACHABLE');
    expect(error.message).toMatch(new RegExp(`^Could not reach ${host().replace('.', '\\.')}: the secure connection failed \\(`));
    expect(error.hint).toMatch(/https or http/);
  });

  it.each([
    [401, { error: { message: 'Invalid API key', type: 'Unauthorized', code: 401 } }, 'REMOTE_AUTH', 'rejected the API key (401): Invalid API key'],
    [403, { detail: 'Forbidden by policy' }, 'REMOTE_REJECTED', 'refused access (403): Forbidden by policy'],
    [404, { error: { message: 'The model `qwen3-omni` does not exist.', type: 'NotFoundError', code: 404 } }, 'REMOTE_REJECTED', 'has no POST /v1/chat/completions, or no model "qwen3-omni" (404): The model `qwen3-omni` does not exist.'],
    [429, { object: 'error', message: 'Too many requests in flight' }, 'REMOTE_REJECTED', 'is busy (429 Too Many Requests): Too many requests in flight'],
    [400, JSON.parse(fixture('vllm-omni/error-invalid-speaker.json').toString()), 'REMOTE_REJECTED', "rejected POST /v1/chat/completions (400): Invalid speaker 'bob'. Supported: aiden, chelsie, ethan"],
    [422, { detail: [{ loc: ['body', 'messages'], msg: 'Field required' }] }, 'REMOTE_REJECTED', 'rejected POST /v1/chat/completions (422): Field required'],
    [500, { error: { message: 'EngineCore died', type: 'InternalServerError', code: 500 } }, 'REMOTE_FAILED', 'failed to answer POST /v1/chat/completions (500): EngineCore died'],
  ])('turns HTTP %i into %s with the server message', async (status, body, code, message) => {
    const backend = await serve(json(status, body));
    const error = await failure(chat(backend));
    expect(error.code).toBe(code);
    expect(error.message).toBe(`${host()} ${message}`);
  });

  it('quotes a non-JSON error page without its markup', async () => {
    const backend = await serve((_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html><body><h1>502 Bad Gateway</h1>\n<hr>nginx</body></html>');
    });
    expect((await failure(chat(backend))).message).toBe(`${host()} failed to answer POST /v1/chat/completions (502): 502 Bad Gateway nginx`);
  });

  it('refuses an answer that is neither an event stream nor JSON', async () => {
    const backend = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>Welcome to nginx</html>');
    });
    expect(await failure(chat(backend))).toEqual({
      code: 'REMOTE_PROTOCOL',
      message: `${host()} did not answer like an OpenAI-compatible server: it answered text/html instead of an event stream.`,
      hint: 'Check the base URL: it usually ends in /v1 (e.g. http://gpu-box:8091/v1).',
    });
  });

  it('refuses an event that is not JSON, quoting it', async () => {
    const backend = await serve((_req, res) => sendInPieces(res, Buffer.from('data: {"choices":[]}\n\ndata: <html>oops\n\n')));
    const stream = await chat(backend);
    const error = await failure(collect(stream));
    expect(error.message).toBe(`${host()} did not answer like an OpenAI-compatible server: it sent something that is not JSON: <html>oops.`);
  });

  it('fails a stream that ends before [DONE]', async () => {
    const backend = await serve((_req, res) => sendInPieces(res, Buffer.from('data: {"choices":[]}\n\n')));
    expect((await failure(collect(await chat(backend)))).message).toMatch(/it closed the stream before its end \(\[DONE\]\)\.$/);
  });

  it('times out when the server does not answer within connectMs', async () => {
    const backend = await serve(() => undefined);
    const started = performance.now();
    expect(await failure(chat(backend, { connectMs: 150, idleMs: 5000 }))).toEqual({
      code: 'REMOTE_TIMEOUT',
      message: `${host()} did not answer within 0.15 s.`,
      hint: 'Check that the server is running and not overloaded, then try again.',
    });
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('gives a request a second more per MiB it sends, in whole tenths, before it times out', async () => {
    const backend = await serve(() => undefined);
    const started = performance.now();
    const request = openChatStream(backend, { model: backend.model, messages: [{ role: 'user', content: 'x'.repeat(1024 * 1024) }] }, { timeouts: { connectMs: 150, idleMs: 5000 } });
    expect(await failure(request)).toMatchObject({ code: 'REMOTE_TIMEOUT', message: `${host()} did not answer within 1.15 s.` });
    expect(performance.now() - started).toBeGreaterThanOrEqual(1100);
  });

  it('times out when the stream stalls for idleMs, and closes the connection', async () => {
    const backend = await serve((_req, res) => sendInPieces(res, Buffer.from('data: {"choices":[]}\n\n'), { keepOpen: true }));
    const stream = await chat(backend, { connectMs: 2000, idleMs: 150 });
    const error = await failure(collect(stream));
    expect(error).toMatchObject({ code: 'REMOTE_TIMEOUT', message: `${host()} stopped sending for 0.15 s in the middle of its answer.` });
    await remote.server.requests[0].closed;
  });
});

describe('listRemoteModels', () => {
  it('lists the ids of GET /models, without needing a model name', async () => {
    await serve(json(200, { object: 'list', data: [{ id: 'Qwen/Qwen3-Omni-30B-A3B-Instruct', object: 'model' }, { id: 'other' }] }));
    expect(await listRemoteModels({ baseUrl: `${remote.server.baseUrl}/`, apiKey: 'k' })).toEqual(['Qwen/Qwen3-Omni-30B-A3B-Instruct', 'other']);
    expect(remote.server.requests[0]).toMatchObject({ method: 'GET', url: '/v1/models', headers: { authorization: 'Bearer k' } });
  });

  it('says when the list is not an OpenAI model list', async () => {
    await serve(json(200, { models: ['a'] }));
    expect((await failure(listRemoteModels({ baseUrl: remote.server.baseUrl }))).message).toBe(
      `${host()} did not answer like an OpenAI-compatible server: its model list is not {"data": [{"id": …}, …]}.`,
    );
  });

  it('asks for a key when a keyless request is refused', async () => {
    await serve(json(401, { error: { message: 'Missing bearer token' } }));
    expect(await failure(listRemoteModels({ baseUrl: remote.server.baseUrl }))).toEqual({
      code: 'REMOTE_AUTH',
      message: `${host()} rejected the API key (401): Missing bearer token`,
      hint: 'This server needs an API key: set one for it in Settings.',
    });
  });

  it('stops at timeoutMs', async () => {
    await serve(() => undefined);
    expect((await failure(listRemoteModels({ baseUrl: remote.server.baseUrl }, { timeoutMs: 100 }))).code).toBe('REMOTE_TIMEOUT');
  });
});

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

