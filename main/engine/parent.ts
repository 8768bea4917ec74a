/**
 * The engine's link to whoever started it. Inside Electron the engine is a utilityProcess and talks through
 * `process.parentPort` (stream ports arrive as MessagePortMain objects); under plain Node (preview server, tests)
 * it is a forked child talking through `process.send`, and streams are multiplexed over that channel.
 * The engine never imports electron: utilityProcess objects are used through the small shapes below.
 */
import type { EngineToHost } from './protocol';

/** What the engine needs of a stream endpoint: a MessagePortMain, or one multiplexed over the parent channel. */
export interface StreamEndpoint {
  post(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  onClose(listener: () => void): void;
  close(): void;
}

export interface ParentChannel {
  post(message: EngineToHost): void;
  /** `ports` holds the transferred MessagePortMain objects of a utilityProcess message (empty under Node). */
  onMessage(listener: (message: unknown, ports: StreamEndpoint[]) => void): void;
}

interface PortMainLike {
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
  on(event: 'close', listener: () => void): void;
  postMessage(message: unknown): void;
  start(): void;
  close(): void;
}

interface ParentPortLike {
  on(event: 'message', listener: (event: { data: unknown; ports: PortMainLike[] }) => void): void;
  postMessage(message: unknown): void;
}

export function portEndpoint(port: PortMainLike): StreamEndpoint {
  const endpoint: StreamEndpoint = {
    post: (message) => port.postMessage(message),
    onMessage: (listener) => port.on('message', (event) => listener(event.data)),
    onClose: (listener) => port.on('close', listener),
    close: () => port.close(),
  };
  port.start();
  return endpoint;
}

export function connectParent(): ParentChannel {
  const parentPort = (process as unknown as { parentPort?: ParentPortLike }).parentPort;
  if (parentPort) {
    return {
      post: (message) => parentPort.postMessage(message),
      onMessage: (listener) =>
        parentPort.on('message', (event) => listener(event.data, (event.ports ?? []).map(portEndpoint))),
    };
  }
  if (typeof process.send === 'function') {
    return {
      post: (message) => process.send?.(message),
      onMessage: (listener) => process.on('message', (message) => listener(message, [])),
    };
  }
  throw new Error('The engine process has no parent channel: start it with utilityProcess.fork or child_process.fork');
}
