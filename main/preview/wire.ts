/**
 * Wire format of the preview bridge, spoken by the preview server (Node) and the page (browser), so this module
 * uses only web-standard APIs.
 *
 * A message without binary data is one text frame of JSON. A message carrying ArrayBuffers or Uint8Arrays
 * (microphone and speech PCM, chat attachments) is one binary frame, so the bytes never pass through JSON:
 *
 *   [u32 LE header length][header: UTF-8 JSON {"b": [byteLength…], "m": message}][blob 0][blob 1]…
 *
 * where each binary value inside `m` is replaced by `{"$bin": index, "as": "ArrayBuffer" | "Uint8Array"}`.
 * Decoding is strict — exact lengths, every blob used exactly once — because the peer is untrusted.
 */
import type { ErrorInfo, EventChannel, InvokeResult } from '../ipc/contract';

/** Page → server. */
export type ClientMessage =
  | { kind: 'invoke'; id: number; channel: string; payload: unknown }
  /** Chromium cannot tell the page's end of a MessageChannel closed, so streams live as long as the socket. */
  | { kind: 'stream'; streamId: number; message: unknown };

/** Server → page. */
export type ServerMessage =
  | { kind: 'result'; id: number; result: InvokeResult<unknown> }
  | { kind: 'event'; channel: EventChannel; payload: unknown }
  /** Precedes the `engine.openStream` result; the page then hands its end of a MessageChannel to the app. */
  | { kind: 'stream.opened'; nonce: string; streamId: number }
  | { kind: 'stream'; streamId: number; message: unknown }
  | { kind: 'stream.closed'; streamId: number }
  /** A frame the server could not read; the connection stays open. */
  | { kind: 'error'; error: ErrorInfo };

export const WIRE_LIMITS = {
  /** One attachment (32 MiB) plus headroom; bigger turns need the desktop app. */
  frameBytes: 40 * 1024 * 1024,
  /** A webcam clip is 64 frames; 16 attachments of them is the contract's maximum. */
  blobs: 16 * 64,
  depth: 32,
} as const;

export class WireError extends Error {
  override readonly name = 'WireError';
}

type BinaryKind = 'ArrayBuffer' | 'Uint8Array';
const BIN = '$bin';

function isPlaceholder(value: object): value is { $bin: number; as: BinaryKind } {
  const keys = Object.keys(value);
  return keys.length === 2 && BIN in value && 'as' in value;
}

/** A string for text frames, bytes for binary frames. */
export function encodeFrame(message: ClientMessage | ServerMessage): string | Uint8Array {
  const blobs: Uint8Array[] = [];
  const replace = (value: unknown, depth: number): unknown => {
    if (depth > WIRE_LIMITS.depth) throw new WireError(`message nests deeper than ${WIRE_LIMITS.depth} levels`);
    if (value instanceof ArrayBuffer) {
      blobs.push(new Uint8Array(value));
      return { [BIN]: blobs.length - 1, as: 'ArrayBuffer' };
    }
    if (value instanceof Uint8Array) {
      blobs.push(value);
      return { [BIN]: blobs.length - 1, as: 'Uint8Array' };
    }
    if (ArrayBuffer.isView(value)) throw new WireError('only ArrayBuffer and Uint8Array binary values can be sent');
    if (Array.isArray(value)) return value.map((item) => replace(item, depth + 1));
    if (value && typeof value === 'object') {
      if (BIN in value) throw new WireError(`"${BIN}" is a reserved key`);
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, replace(item, depth + 1)]));
    }
    return value;
  };
  const replaced = replace(message, 0);
  if (blobs.length === 0) return JSON.stringify(message);
  if (blobs.length > WIRE_LIMITS.blobs) throw new WireError(`more than ${WIRE_LIMITS.blobs} binary values`);
  const header = new TextEncoder().encode(JSON.stringify({ b: blobs.map((blob) => blob.byteLength), m: replaced }));
  const total = 4 + header.byteLength + blobs.reduce((sum, blob) => sum + blob.byteLength, 0);
  if (total > WIRE_LIMITS.frameBytes) {
    throw new WireError(`message is ${total} bytes; the preview bridge carries at most ${WIRE_LIMITS.frameBytes}`);
  }
  const frame = new Uint8Array(total);
  new DataView(frame.buffer).setUint32(0, header.byteLength, true);
  frame.set(header, 4);
  let offset = 4 + header.byteLength;
  for (const blob of blobs) {
    frame.set(blob, offset);
    offset += blob.byteLength;
  }
  return frame;
}

export interface DecodedFrame {
  message: unknown;
  /** The ArrayBuffers created while decoding, ready for a postMessage transfer list. */
  buffers: ArrayBuffer[];
}

export function decodeFrame(frame: string | Uint8Array): DecodedFrame {
  if (typeof frame === 'string') return { message: parseJson(frame), buffers: [] };
  if (frame.byteLength < 4) throw new WireError('binary frame shorter than its header length');
  const headerLength = new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getUint32(0, true);
  if (headerLength > frame.byteLength - 4) throw new WireError('binary frame header runs past the frame');
  const header = parseJson(new TextDecoder().decode(frame.subarray(4, 4 + headerLength)));
  if (!header || typeof header !== 'object' || !('b' in header) || !('m' in header)) {
    throw new WireError('binary frame header must be {"b": [...], "m": ...}');
  }
  const lengths = header.b;
  if (!Array.isArray(lengths) || lengths.length === 0 || lengths.length > WIRE_LIMITS.blobs) {
    throw new WireError(`binary frame must list 1 to ${WIRE_LIMITS.blobs} blob lengths`);
  }
  const offsets: number[] = [];
  let offset = 4 + headerLength;
  for (const length of lengths) {
    if (!Number.isSafeInteger(length) || length < 0) throw new WireError('blob lengths must be whole byte counts');
    offsets.push(offset);
    offset += length;
  }
  if (offset !== frame.byteLength) {
    throw new WireError(`binary frame is ${frame.byteLength} bytes but its header accounts for ${offset}`);
  }
  const used = new Set<number>();
  const buffers: ArrayBuffer[] = [];
  const restore = (value: unknown, depth: number): unknown => {
    if (depth > WIRE_LIMITS.depth) throw new WireError(`message nests deeper than ${WIRE_LIMITS.depth} levels`);
    if (Array.isArray(value)) return value.map((item) => restore(item, depth + 1));
    if (!value || typeof value !== 'object') return value;
    if (!isPlaceholder(value)) {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, restore(item, depth + 1)]));
    }
    const index = value.$bin;
    if (!Number.isInteger(index) || index < 0 || index >= lengths.length || used.has(index)) {
      throw new WireError(`binary placeholder ${JSON.stringify(index)} is out of range or used twice`);
    }
    if (value.as !== 'ArrayBuffer' && value.as !== 'Uint8Array') throw new WireError('unknown binary type');
    used.add(index);
    // A copy (not `slice`, which is a view on Node Buffers), so the frame's memory is not kept alive and each
    // value can be transferred on its own.
    const bytes = new Uint8Array(frame.subarray(offsets[index], offsets[index] + lengths[index]));
    buffers.push(bytes.buffer);
    return value.as === 'ArrayBuffer' ? bytes.buffer : bytes;
  };
  const message = restore(header.m, 0);
  if (used.size !== lengths.length) throw new WireError('binary frame carries blobs no placeholder refers to');
  return { message, buffers };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new WireError(`frame is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}
