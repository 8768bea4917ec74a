/**
 * Entry point of the engine process (an Electron utilityProcess in the app, a forked Node child in the preview
 * server and tests). A failure here must end the process so the supervisor restarts a clean engine: a half-broken
 * native runtime is worse than a restart.
 */
import os from 'node:os';
import { Engine } from './engine';
import { homePaths, resolveHome } from './home';
import { connectParent, type StreamEndpoint } from './parent';
import { HostToEngine } from './protocol';

const parent = connectParent();
const engine = new Engine({
  stateDir: homePaths(resolveHome()).state,
  scratchDir: os.tmpdir(),
  emit: (message) => parent.post(message),
});

/** Streams multiplexed over the parent channel when no MessagePort can be transferred (forked engine). */
const virtualStreams = new Map<number, { deliver: (message: unknown) => void; close: () => void }>();

function virtualStream(streamId: number): StreamEndpoint {
  const listeners: Array<(message: unknown) => void> = [];
  const closeListeners: Array<() => void> = [];
  virtualStreams.set(streamId, {
    deliver: (message) => listeners.forEach((listener) => listener(message)),
    close: () => {
      virtualStreams.delete(streamId);
      closeListeners.forEach((listener) => listener());
    },
  });
  return {
    post: (message) => parent.post({ kind: 'stream', streamId, message }),
    onMessage: (listener) => listeners.push(listener),
    onClose: (listener) => closeListeners.push(listener),
    close: () => virtualStreams.get(streamId)?.close(),
  };
}

parent.onMessage((raw, ports) => {
  const parsed = HostToEngine.safeParse(raw);
  if (!parsed.success) {
    process.stderr.write(`engine: ignored a malformed host message: ${parsed.error.issues[0]?.message}\n`);
    return;
  }
  const message = parsed.data;
  switch (message.kind) {
    case 'request':
      void engine.request(message.id, message.method, message.params);
      break;
    case 'attach-stream':
      engine.attachStream(ports[0] ?? virtualStream(message.streamId));
      break;
    case 'stream':
      virtualStreams.get(message.streamId)?.deliver(message.message);
      break;
    case 'detach-stream':
      virtualStreams.get(message.streamId)?.close();
      break;
  }
});

const die = (what: string) => (error: unknown) => {
  process.stderr.write(`engine: ${what}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(70);
};
process.on('uncaughtException', die('uncaught exception'));
process.on('unhandledRejection', die('unhandled rejection'));

parent.post({ kind: 'ready', pid: process.pid });
