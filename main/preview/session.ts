/**
 * One page connected to the preview server: what the preload and ipcMain do for an Electron window, over one
 * WebSocket. Invokes run through the shared dispatch (which validates them), engine events are pushed, and engine
 * streams are relayed between the page's MessageChannel and the supervisor's multiplexed stream. Nothing the page
 * sends can throw out of here: a bad frame is answered with an error and the connection stays usable.
 */
import type { WebSocket } from 'ws';
import { z } from 'zod';
import type { EventChannel, EventPayload } from '../ipc/contract';
import { dispatch, type Handlers } from '../ipc/dispatch';
import type { EngineSupervisor, HostStream } from '../engine/host/supervisor';
import type { Services } from '../ipc/services';
import { OmniError } from '../engine/errors';
import { decodeFrame, encodeFrame, WireError, type ServerMessage } from './wire';

/** A page keeps one stream per engine lifetime; each holds engine-side capture buffers until the page goes. */
export const MAX_STREAMS_PER_PAGE = 4;

const ClientMessage = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('invoke'), id: z.number().int().nonnegative(), channel: z.string().max(64), payload: z.unknown() }),
  z.strictObject({ kind: z.literal('stream'), streamId: z.number().int().nonnegative(), message: z.unknown() }),
]);

export interface SessionDeps {
  engine: EngineSupervisor;
  /** The shared handler table, given this page's way of receiving a stream. */
  handlers: (openStream: (nonce: string) => void) => Handlers;
  /** Subscribes the page to the data events (conversations, settings, model jobs). */
  forward: Services['forward'];
}

export function startSession(socket: WebSocket, deps: SessionDeps): void {
  const streams = new Map<number, HostStream>();
  let nextStreamId = 1;

  const send = (message: ServerMessage) => {
    if (socket.readyState !== socket.OPEN) return;
    try {
      socket.send(encodeFrame(message));
    } catch (error) {
      // Only an engine message too big for the wire gets here; the page must still hear about it.
      const text = error instanceof Error ? error.message : String(error);
      socket.send(encodeFrame({ kind: 'error', error: { code: 'INTERNAL', message: `Preview bridge: ${text}` } }));
    }
  };
  const sendEvent = <E extends EventChannel>(channel: E, payload: EventPayload<E>) =>
    send({ kind: 'event', channel, payload });

  const openStream = (nonce: string) => {
    if (streams.size >= MAX_STREAMS_PER_PAGE) {
      throw new OmniError('INVALID_REQUEST', `A page may hold at most ${MAX_STREAMS_PER_PAGE} engine streams.`, 'Close an open stream first.');
    }
    const stream = deps.engine.openStream();
    const streamId = nextStreamId++;
    streams.set(streamId, stream);
    stream.onMessage((message) => send({ kind: 'stream', streamId, message }));
    stream.onClose(() => {
      streams.delete(streamId);
      send({ kind: 'stream.closed', streamId });
    });
    send({ kind: 'stream.opened', nonce, streamId });
  };
  const handlers = deps.handlers(openStream);

  const unsubscribe = [
    deps.engine.onState((state) => sendEvent('engine.state', state)),
    deps.engine.onTurn((event) => sendEvent('turn.event', event)),
    deps.forward(sendEvent),
  ];

  const receive = async (data: string | Uint8Array) => {
    const decoded = decodeFrame(data);
    const parsed = ClientMessage.safeParse(decoded.message);
    if (!parsed.success) throw new WireError(`unexpected message: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    const message = parsed.data;
    switch (message.kind) {
      case 'invoke':
        send({ kind: 'result', id: message.id, result: await dispatch(handlers, message.channel, message.payload) });
        break;
      case 'stream': {
        const stream = streams.get(message.streamId);
        if (!stream) throw new WireError(`stream ${message.streamId} is not open`);
        stream.post(message.message);
        break;
      }
    }
  };

  socket.on('message', (data, isBinary) => {
    const frame = isBinary ? toBytes(data) : data.toString();
    receive(frame).catch((error: unknown) => {
      const text = error instanceof Error ? error.message : String(error);
      send({ kind: 'error', error: { code: 'INVALID_REQUEST', message: `Preview bridge: ${text}` } });
    });
  });
  // ws reports oversized or malformed WebSocket frames as an 'error' and then closes; unheard, it would crash us.
  socket.on('error', () => socket.terminate());
  socket.on('close', () => {
    unsubscribe.forEach((stop) => stop());
    [...streams.values()].forEach((stream) => stream.close());
  });
}

function toBytes(data: Buffer | ArrayBuffer | Buffer[]): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}
