/**
 * A request's JSON body, read under two limits: a size (a declared Content-Length over it is refused before a byte
 * is read, a chunked body as soon as it passes it — nothing is buffered beyond the limit) and a deadline for the
 * whole body, so a client trickling bytes cannot hold a connection open forever. Generation itself has no deadline.
 */
import type { IncomingMessage } from 'node:http';
import { ApiError, invalidRequest } from './openaiErrors';

export interface BodyLimits {
  maxBytes: number;
  deadlineMs: number;
}

const mebibytes = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MiB`;

export function readJsonBody(req: IncomingMessage, limits: BodyLimits): Promise<unknown> {
  const tooLarge = () =>
    new ApiError(413, `The request body is larger than this server's limit of ${mebibytes(limits.maxBytes)} (${limits.maxBytes} bytes).`, {
      code: 'request_too_large',
    });
  const declared = Number(req.headers['content-length']);
  if (declared > limits.maxBytes) return Promise.reject(tooLarge());

  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const stop = (error: ApiError) => {
      finish();
      // Stop reading: the rest of the body is never looked at, and the connection closes after the error reply.
      req.pause();
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > limits.maxBytes) stop(tooLarge());
      else chunks.push(chunk);
    };
    const onEnd = () => {
      finish();
      try {
        resolve(parseJson(Buffer.concat(chunks, received).toString('utf8')));
      } catch (error) {
        reject(error);
      }
    };
    const onError = (error: Error) => stop(invalidRequest(`The request body could not be read: ${error.message}`));
    const timer = setTimeout(
      () => stop(new ApiError(408, `The request body did not arrive within ${limits.deadlineMs / 1000} s.`, { code: 'request_timeout' })),
      limits.deadlineMs,
    );
    const finish = () => {
      clearTimeout(timer);
      req.off('data', onData).off('end', onEnd).off('error', onError);
    };
    req.on('data', onData).on('end', onEnd).on('error', onError);
  });
}

function parseJson(text: string): unknown {
  if (text.trim() === '') throw invalidRequest('The request body is empty: send the request as a JSON object.', undefined, 'invalid_json');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw invalidRequest(`The request body is not valid JSON: ${(error as Error).message}`, undefined, 'invalid_json');
  }
}
