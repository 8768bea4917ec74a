import { request, type IncomingHttpHeaders } from 'node:http';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, TEST_TOKEN, type TestServer } from './testServer';

/** Small limits, so the limits themselves are quick to reach. */
const LIMITS = { maxBodyBytes: 1 << 20, bodyDeadlineMs: 300, maxWaiting: 1 };

let t: TestServer;
let origin: URL;
beforeAll(async () => {
  t = await startTestServer(LIMITS);
  origin = new URL(t.server.url);
});
afterAll(() => t.close());

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: { error: { message: string; type: string; param: string | null; code: string | null } };
  /** Request body bytes written before the reply arrived. */
  written: number;
}

/**
 * A raw HTTP request, for what the OpenAI client will not send: any headers, a body sent as a stream of `chunks`
 * chunks of `chunkBytes` (stopping once the reply is in), or a body that never ends.
 */
function send(options: { method?: string; path?: string; headers?: Record<string, string | number>; body?: string; chunks?: number; chunkBytes?: number; endless?: boolean }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    let written = 0;
    let replied = false;
    const req = request(
      {
        host: origin.hostname,
        port: origin.port,
        method: options.method ?? 'POST',
        path: options.path ?? '/v1/chat/completions',
        headers: { Authorization: `Bearer ${TEST_TOKEN}`, 'Content-Type': 'application/json', ...options.headers },
      },
      (res) => {
        replied = true;
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: JSON.parse(text), written }));
      },
    );
    // The server may close while we are still sending: the reply has arrived by then.
    req.on('error', (error) => (replied ? undefined : reject(error)));
    if (options.chunks) {
      const chunk = Buffer.alloc(options.chunkBytes ?? 64 * 1024, 'a');
      const pump = (left: number) => {
        if (replied || left === 0) return void req.end();
        written += chunk.length;
        req.write(chunk, () => setImmediate(() => pump(left - 1)));
      };
      pump(options.chunks);
    } else if (options.endless) req.write('{"model":');
    else req.end(options.body);
  });
}

const chat = (body: Record<string, unknown>) => send({ body: JSON.stringify({ model: 'bundle', messages: [{ role: 'user', content: 'hi' }], ...body }) });

describe('omnidesk serve refuses, in the OpenAI error shape', () => {
  it('a request without the token, or with another one: 401 with WWW-Authenticate', async () => {
    const none = await send({ method: 'GET', path: '/v1/models', headers: { Authorization: '' } });
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="omnidesk"');
    expect(none.body.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_api_key', message: expect.stringContaining('No API key') });

    const client = new OpenAI({ baseURL: t.server.url, apiKey: 'not-the-token', maxRetries: 0 });
    const wrong = await client.models.list().catch((error: unknown) => error);
    expect(wrong).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((wrong as InstanceType<typeof OpenAI.AuthenticationError>).headers.get('www-authenticate')).toBe('Bearer realm="omnidesk", error="invalid_token"');
  });

  it('a Host that is not this server (DNS rebinding) and any request from a web page (Origin): 403, token or not', async () => {
    const rebound = await send({ method: 'GET', path: '/v1/models', headers: { Host: `attacker.example:${origin.port}` } });
    expect(rebound).toMatchObject({ status: 403, body: { error: { code: 'host_not_allowed' } } });
    const page = await send({ method: 'GET', path: '/v1/models', headers: { Origin: 'https://example.com' } });
    expect(page).toMatchObject({ status: 403, body: { error: { code: 'origin_not_allowed' } } });
    expect(page.headers['access-control-allow-origin']).toBeUndefined();
    const localhost = await send({ method: 'GET', path: '/v1/models', headers: { Host: `localhost:${origin.port}` } });
    expect(localhost.status).toBe(200);
  });

  it('a body declared larger than the limit: 413 before any of it is read', async () => {
    const reply = await send({ headers: { 'Content-Length': 2 ** 30 }, endless: true });
    expect(reply).toMatchObject({ status: 413, body: { error: { code: 'request_too_large', message: expect.stringContaining('limit of 1 MiB (1048576 bytes)') } } });
    expect(reply.headers.connection).toBe('close');
  });

  it('a chunked body that grows past the limit: 413 as soon as it does, the rest unread', async () => {
    const reply = await send({ chunks: 1024, chunkBytes: 64 * 1024 });
    expect(reply.status).toBe(413);
    // 64 MiB were on offer; the reply came once a little over 1 MiB had been sent.
    expect(reply.written).toBeLessThan(8 << 20);
  });

  it('a body that does not arrive in time: 408', async () => {
    const reply = await send({ endless: true });
    expect(reply).toMatchObject({ status: 408, body: { error: { code: 'request_timeout', message: 'The request body did not arrive within 0.3 s.' } } });
  });

  it('malformed JSON: 400 saying where it breaks', async () => {
    const reply = await send({ body: '{"model": "bundle", "messages": [' });
    expect(reply).toMatchObject({ status: 400, body: { error: { type: 'invalid_request_error', code: 'invalid_json' } } });
    expect(reply.body.error.message).toMatch(/^The request body is not valid JSON: .*JSON/);
  });

  it('an image by http URL: 400 naming the field, and nothing is fetched', async () => {
    const reply = await chat({ messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }, { type: 'image_url', image_url: { url: 'http://127.0.0.1:9/cat.png' } }] }] });
    expect(reply).toMatchObject({ status: 400, body: { error: { param: 'messages.0.content.1.image_url.url' } } });
    expect(reply.body.error.message).toContain('messages.0.content.1.image_url.url: remote URLs are not fetched by this server');
  });

  it('media that are not what the part says, or beyond the engine limits: 400 naming the field', async () => {
    const notImage = await chat({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:audio/wav;base64,UklGRg==' } }] }] });
    expect(notImage.body.error).toMatchObject({ param: 'messages.0.content.0.image_url.url', message: expect.stringContaining('holds audio/wav, not an image') });
    const tiff = await chat({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/tiff;base64,SUkqAA==' } }] }] });
    expect(tiff.body.error.message).toContain('messages.0.content.0.image_url.url: the media type image/tiff: Invalid option: expected one of "image/png"');
    const badBase64 = await chat({ messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'not base64!', format: 'wav' } }] }] });
    expect(badBase64.body.error).toMatchObject({ param: 'messages.0.content.0.input_audio.data', message: expect.stringContaining('is not valid base64') });
    const undecodable = await chat({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }] }] });
    expect(undecodable).toMatchObject({ status: 400, body: { error: { code: 'image_decode_failed' } } });
  });

  it('an unknown voice: 400 naming audio.voice and the voices there are', async () => {
    const reply = await chat({ modalities: ['text', 'audio'], audio: { voice: 'alloy', format: 'wav' } });
    expect(reply).toMatchObject({
      status: 400,
      body: { error: { param: 'audio.voice', code: 'unknown_voice', message: 'Unknown voice "alloy"; this model speaks as aiden, chelsie, ethan.' } },
    });
  });

  it('what would change the reply and cannot be honoured: n > 1, tools, mp3 output, wav while streaming, another model', async () => {
    expect((await chat({ n: 2 })).body.error).toMatchObject({ param: 'n', message: expect.stringContaining('only one choice per request') });
    expect((await chat({ tools: [{ type: 'function', function: { name: 'f' } }] })).body.error.param).toBe('tools');
    expect((await chat({ messages: [{ role: 'tool', content: 'x', tool_call_id: 'c' }] })).body.error.param).toBe('messages.0.role');
    expect((await chat({ modalities: ['text', 'audio'], audio: { voice: 'ethan', format: 'mp3' } })).body.error).toMatchObject({
      param: 'audio.format',
      message: expect.stringContaining('mp3 is not supported; use wav or pcm16'),
    });
    expect((await chat({ stream: true, modalities: ['text', 'audio'], audio: { voice: 'ethan', format: 'wav' } })).body.error.message).toContain(
      'wav is not supported when streaming; use pcm16',
    );
    expect(await chat({ model: 'gpt-4o' })).toMatchObject({ status: 404, body: { error: { param: 'model', code: 'model_not_found' } } });
    // Harmless fields are ignored.
    expect((await chat({ user: 'me', metadata: { a: 'b' }, store: false, max_tokens: 1 })).status).toBe(200);
  });

  it('an unknown route or method: 404 or 405', async () => {
    expect(await send({ method: 'GET', path: '/v1/embeddings' })).toMatchObject({ status: 404, body: { error: { code: 'unknown_url' } } });
    const wrongMethod = await send({ method: 'GET', path: '/v1/chat/completions' });
    expect(wrongMethod).toMatchObject({ status: 405, headers: { allow: 'POST' } });
  });

  it('a request beyond the queue while the model is busy: 429, and the one waiting is answered after the running one', async () => {
    const client = new OpenAI({ baseURL: t.server.url, apiKey: TEST_TOKEN, maxRetries: 0 });
    const running = new AbortController();
    const long = client.chat.completions.create(
      { model: 'bundle', messages: [{ role: 'user', content: 'hi' }], temperature: 0, max_tokens: 4, modalities: ['text', 'audio'], max_audio_frames: 4000 } as OpenAI.ChatCompletionCreateParamsNonStreaming,
      { signal: running.signal },
    );
    long.catch(() => undefined);
    // Until the long turn has the model, the next request would be the running one, not a waiting one.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const waiting = client.chat.completions.create({ model: 'bundle', messages: [{ role: 'user', content: 'hi' }], temperature: 0, max_tokens: 2 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const refused = await client.chat.completions.create({ model: 'bundle', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.RateLimitError);
    expect((refused as InstanceType<typeof OpenAI.RateLimitError>).error).toMatchObject({ code: 'rate_limit_exceeded', type: 'requests' });
    running.abort();
    expect((await waiting).choices[0].finish_reason).toBe('length');
  });
});
