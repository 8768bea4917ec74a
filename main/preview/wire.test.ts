import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame, WIRE_LIMITS, WireError, type ClientMessage } from './wire';

const pcm = (...values: number[]) => new Float32Array(values).buffer;

function binaryFrame(header: unknown, ...blobs: number[][]): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const body = blobs.flat();
  const frame = new Uint8Array(4 + json.byteLength + body.length);
  new DataView(frame.buffer).setUint32(0, json.byteLength, true);
  frame.set(json, 4);
  frame.set(body, 4 + json.byteLength);
  return frame;
}

describe('preview wire format', () => {
  it('sends a message without binary data as a JSON text frame', () => {
    const message: ClientMessage = { kind: 'invoke', id: 1, channel: 'system.info', payload: {} };
    const frame = encodeFrame(message);
    expect(frame).toBe('{"kind":"invoke","id":1,"channel":"system.info","payload":{}}');
    expect(decodeFrame(frame)).toEqual({ message, buffers: [] });
  });

  it('carries ArrayBuffers and Uint8Arrays byte for byte in one binary frame', () => {
    const message: ClientMessage = {
      kind: 'stream',
      streamId: 3,
      message: { type: 'mic.chunk', turnId: 't', seq: 0, pcm: pcm(0.5, -1, 1e-9), extra: [new Uint8Array([1, 2, 255])] },
    };
    const frame = encodeFrame(message);
    expect(frame).toBeInstanceOf(Uint8Array);
    const { message: decoded, buffers } = decodeFrame(frame as Uint8Array);
    const inner = (decoded as { message: { pcm: ArrayBuffer; extra: Uint8Array[] } }).message;
    expect(inner.pcm).toBeInstanceOf(ArrayBuffer);
    expect(Array.from(new Float32Array(inner.pcm))).toEqual(Array.from(new Float32Array(pcm(0.5, -1, 1e-9))));
    expect(inner.extra[0]).toBeInstanceOf(Uint8Array);
    expect(Array.from(inner.extra[0])).toEqual([1, 2, 255]);
    expect(buffers).toHaveLength(2);
  });

  it('decodes blobs into copies that do not share the memory of a pooled Node Buffer', () => {
    const frame = Buffer.from(encodeFrame({ kind: 'stream', streamId: 1, message: { pcm: pcm(1, 2) } }) as Uint8Array);
    const { message } = decodeFrame(frame);
    expect((message as { message: { pcm: ArrayBuffer } }).message.pcm.byteLength).toBe(8);
  });

  it('keeps empty binary values', () => {
    const { message } = decodeFrame(encodeFrame({ kind: 'stream', streamId: 1, message: { pcm: new ArrayBuffer(0) } }));
    expect((message as { message: { pcm: ArrayBuffer } }).message.pcm.byteLength).toBe(0);
  });

  it('refuses to send binary types the contract does not use, reserved keys, or oversized messages', () => {
    const send = (message: unknown) => () => encodeFrame({ kind: 'stream', streamId: 1, message });
    expect(send({ pcm: new Float32Array(2) })).toThrow(WireError);
    expect(send({ $bin: 0 })).toThrow(/reserved key/);
    expect(send({ a: new Uint8Array(WIRE_LIMITS.frameBytes) })).toThrow(/at most/);
  });

  it.each([
    ['a frame shorter than its length prefix', new Uint8Array([1, 0])],
    ['a header longer than the frame', binaryFrame({ b: [1], m: {} }).subarray(0, 8)],
    ['a header that is not JSON', new Uint8Array([2, 0, 0, 0, 0x7b, 0x7b])],
    ['a header without blob lengths', binaryFrame({ m: {} })],
    ['no blobs at all', binaryFrame({ b: [], m: {} })],
    ['a negative blob length', binaryFrame({ b: [-1], m: { $bin: 0, as: 'ArrayBuffer' } })],
    ['blob lengths that do not add up to the frame', binaryFrame({ b: [4], m: { $bin: 0, as: 'ArrayBuffer' } }, [1, 2])],
    ['a placeholder out of range', binaryFrame({ b: [1], m: { $bin: 1, as: 'ArrayBuffer' } }, [1])],
    ['a blob used twice', binaryFrame({ b: [1], m: [{ $bin: 0, as: 'ArrayBuffer' }, { $bin: 0, as: 'ArrayBuffer' }] }, [1])],
    ['a blob nothing refers to', binaryFrame({ b: [1, 1], m: { $bin: 0, as: 'ArrayBuffer' } }, [1], [2])],
    ['an unknown binary type', binaryFrame({ b: [1], m: { $bin: 0, as: 'Float64Array' } }, [1])],
    ['nesting deeper than the limit', binaryFrame({ b: [1], m: JSON.parse('['.repeat(40) + '{"$bin":0,"as":"Uint8Array"}' + ']'.repeat(40)) }, [1])],
    ['a text frame that is not JSON', '{"kind":'],
  ])('rejects %s with a WireError', (_name, frame) => {
    expect(() => decodeFrame(frame)).toThrow(WireError);
  });
});
