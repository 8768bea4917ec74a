/**
 * Browser preview mode: in a plain browser there is no preload, so this installs `window.omnidesk` over the
 * preview server's WebSocket, built by the same `createOmnideskApi` the preload uses. Engine streams are handed
 * over exactly as the preload does it — a real MessageChannel whose far end is posted to the window with the
 * nonce — and this side relays the near end to the socket, so the app's code path is the same in both shells.
 */
import { createOmnideskApi, type BridgeTransport, type OmnideskApi } from '../../../preload/api';
import { STREAM_PORT_MESSAGE, type ErrorInfo, type EventChannel, type InvokeResult } from '../../../main/ipc/contract';
import { decodeFrame, encodeFrame, WireError, type ClientMessage, type ServerMessage } from '../../../main/preview/wire';

const REFUSED: ErrorInfo = {
  code: 'ENGINE_UNAVAILABLE',
  message: 'The preview server refused this page or is not running.',
  hint: 'Open the exact address "npm run preview" printed: it carries this run’s access token.',
};
const LOST: ErrorInfo = {
  code: 'ENGINE_UNAVAILABLE',
  message: 'Lost the connection to the preview server.',
  hint: 'Restart "npm run preview" and open the new address it prints.',
};

export function installPreviewBridge(win: Window = window): OmnideskApi {
  const token = new URLSearchParams(win.location.hash.slice(1)).get('token');
  const url = new URL('/bridge', win.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.hash = '';
  url.searchParams.set('token', token ?? '');
  const api = createOmnideskApi(webSocketTransport(win, url.href));
  win.omnidesk = api;
  return api;
}

function webSocketTransport(win: Window, url: string): BridgeTransport {
  const socket = new WebSocket(url);
  socket.binaryType = 'arraybuffer';
  const pending = new Map<number, (result: InvokeResult<unknown>) => void>();
  const listeners = new Map<EventChannel, Set<(payload: unknown) => void>>();
  const ports = new Map<number, MessagePort>();
  let nextId = 1;
  let everOpened = false;

  const opened = new Promise<boolean>((resolve) => {
    socket.addEventListener('open', () => resolve((everOpened = true)));
    socket.addEventListener('close', () => resolve(false));
  });
  const emit = (channel: EventChannel, payload: unknown) => listeners.get(channel)?.forEach((listener) => listener(payload));
  const send = (message: ClientMessage) => socket.send(encodeFrame(message));

  const relay = (streamId: number, nonce: string) => {
    const { port1, port2 } = new MessageChannel();
    ports.set(streamId, port1);
    port1.onmessage = (event) => {
      try {
        send({ kind: 'stream', streamId, message: event.data });
      } catch (error) {
        // The app only hears from the engine through this port, so a refused message is answered there too.
        const message = error instanceof WireError ? `Preview bridge: ${error.message}` : String(error);
        port1.postMessage({ type: 'stream.error', error: { code: 'INVALID_REQUEST', message } });
      }
    };
    win.postMessage({ type: STREAM_PORT_MESSAGE, nonce }, win.location.origin, [port2]);
  };

  const receive = (message: ServerMessage, buffers: ArrayBuffer[]) => {
    switch (message.kind) {
      case 'result':
        pending.get(message.id)?.(message.result);
        pending.delete(message.id);
        break;
      case 'event':
        emit(message.channel, message.payload);
        break;
      case 'stream.opened':
        relay(message.streamId, message.nonce);
        break;
      case 'stream':
        ports.get(message.streamId)?.postMessage(message.message, buffers);
        break;
      case 'stream.closed':
        ports.get(message.streamId)?.close();
        ports.delete(message.streamId);
        break;
      case 'error':
        console.error(`Preview bridge: the server could not read a message: ${message.error.message}`);
        break;
    }
  };

  socket.addEventListener('message', (event: MessageEvent<string | ArrayBuffer>) => {
    try {
      const { message, buffers } = decodeFrame(typeof event.data === 'string' ? event.data : new Uint8Array(event.data));
      receive(message as ServerMessage, buffers);
    } catch (error) {
      console.error('Preview bridge: unreadable message from the server', error);
    }
  });
  socket.addEventListener('close', () => {
    pending.forEach((answer) => answer({ ok: false, error: everOpened ? LOST : REFUSED }));
    pending.clear();
    ports.forEach((port) => port.close());
    ports.clear();
    emit('engine.state', { state: 'stopped', restarts: 0, lastError: everOpened ? LOST : REFUSED });
  });

  return {
    invoke: async (channel, payload) => {
      if (!(await opened) || socket.readyState !== WebSocket.OPEN) return { ok: false, error: everOpened ? LOST : REFUSED };
      const id = nextId++;
      try {
        send({ kind: 'invoke', id, channel, payload });
      } catch (error) {
        return { ok: false, error: { code: 'INVALID_REQUEST', message: `${channel}: ${(error as Error).message}` } };
      }
      return new Promise((resolve) => pending.set(id, resolve));
    },
    subscribe: (channel, listener) => {
      const set = listeners.get(channel) ?? new Set();
      listeners.set(channel, set);
      set.add(listener);
      return () => set.delete(listener);
    },
  };
}
