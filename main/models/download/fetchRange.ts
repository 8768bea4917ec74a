/**
 * One ranged GET into a part file. Everything a server or the network can get wrong with a range is handled here:
 * a 200 that ignores the Range (the bytes before the range are skipped), a Content-Range that does not match, a body
 * that ends early (reset, clean close, short chunked body), and silence (no byte for `stallMs` aborts the request).
 * Each chunk is written at its offset and only then reported, so the caller counts bytes that are on disk.
 */
import type { FileHandle } from 'node:fs/promises';
import { openUrl } from '../hub/http';
import { TransientError } from '../hub/retry';
import type { RateLimiter } from './rateLimiter';

export interface RangeRequest {
  url: URL;
  headers: Record<string, string>;
  /** First byte wanted and the byte after the last one. */
  from: number;
  end: number;
  /** The whole file's size, to check Content-Range and Content-Length against. */
  size: number;
  file: FileHandle;
  signal: AbortSignal;
  stallMs: number;
  limiter: RateLimiter;
  onWritten: (offset: number, chunk: Uint8Array) => void;
}

function checkContentRange(header: string | undefined, from: number, size: number): void {
  const match = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(header ?? '');
  if (!match || Number(match[1]) !== from || (match[3] !== '*' && Number(match[3]) !== size)) {
    throw new TransientError(`the server answered range ${from}- with "Content-Range: ${header ?? '(none)'}" for a ${size}-byte file`);
  }
}

export async function fetchRange(request: RangeRequest): Promise<void> {
  const { from, end, size } = request;
  const stall = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => stall.abort(), request.stallMs);
  };
  const signal = AbortSignal.any([request.signal, stall.signal]);
  let at = from;
  arm();
  try {
    const { response } = await openUrl(request.url, {
      headers: { ...request.headers, range: `bytes=${from}-${end - 1}` },
      signal,
    });
    let skip: number;
    if (response.statusCode === 206) {
      checkContentRange(response.headers['content-range'], from, size);
      skip = 0;
    } else {
      // A 200 is the whole file from byte 0: wasteful, but correct once the bytes before `from` are dropped.
      const length = response.headers['content-length'];
      if (length !== undefined && Number(length) !== size) throw new TransientError(`the server sent ${length} bytes for a ${size}-byte file`);
      skip = from;
    }
    // A 206 is read to its end so the connection can be reused; the rest of a 200 is not worth the wait.
    const whole = response.statusCode !== 206;
    for await (const data of response) {
      arm();
      let chunk = data as Buffer;
      if (skip > 0) {
        const dropped = Math.min(skip, chunk.length);
        skip -= dropped;
        chunk = chunk.subarray(dropped);
      }
      if (chunk.length > end - at) chunk = chunk.subarray(0, end - at);
      if (chunk.length > 0) {
        await request.limiter.take(chunk.length, signal);
        await request.file.write(chunk, 0, chunk.length, at);
        request.onWritten(at, chunk);
        at += chunk.length;
      }
      if (at === end && whole) break;
    }
    if (at !== end) throw new TransientError(`the body ended after ${at - from} of ${end - from} bytes`);
  } catch (error) {
    // Every wanted byte is on disk; only the tail of the exchange failed.
    if (at === end && !request.signal.aborted) return;
    if (stall.signal.aborted && !request.signal.aborted) throw new TransientError(`no data for ${request.stallMs} ms`);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
