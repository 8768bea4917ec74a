/**
 * The worker thread of AssistantThread: the engine's `Assistant`, with onnxruntime's sessions, behind messages.
 * Turns arrive claimed by the engine's thread, which may already have ended one (a Stop before it started) and
 * claimed the next while this thread was still opening the model: so turns and preloads take their turn here, each
 * once the one before has ended, and a turn stopped before it began ends without running.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { toErrorInfo } from '../errors';
import { Assistant } from './assistant';
import type { AssistantWorkerData, FromAssistantWorker, ToAssistantWorker } from './assistantThread';

const port = parentPort;
if (!port) throw new Error('assistantWorker runs as a worker thread of the engine');
const post = (message: FromAssistantWorker) => port.postMessage(message);

const assistant = new Assistant({
  ...(workerData as AssistantWorkerData),
  emit: (event) => post({ type: 'turn', event }),
  // The engine's thread knows when a turn is busy: from its claim to its last event.
  onBusy: () => undefined,
  onSpeech: (chunk) => post({ type: 'speech', chunk }),
  onLoad: (load) => post({ type: 'load', load }),
});

/** Turns waiting for the one before them, and those of them stopped meanwhile. */
const queued = new Set<string>();
const stopped = new Set<string>();
let queue = Promise.resolve();
const inTurn = (act: () => void) => {
  queue = queue.then(() => assistant.idle()).then(act);
};

port.on('message', (message: ToAssistantWorker) => {
  switch (message.type) {
    case 'start': {
      const { request, spoken } = message;
      queued.add(request.turnId);
      inTurn(() => {
        queued.delete(request.turnId);
        if (stopped.delete(request.turnId)) {
          post({ type: 'turn', event: { type: 'done', turnId: request.turnId, text: '', interrupted: true, speechSamples: 0 } });
          return;
        }
        try {
          assistant.begin(request, spoken);
        } catch (error) {
          post({ type: 'turn', event: { type: 'error', turnId: request.turnId, error: toErrorInfo(error) } });
        }
      });
      break;
    }
    case 'interrupt':
      if (!assistant.interrupt(message.turnId) && queued.has(message.turnId)) stopped.add(message.turnId);
      break;
    case 'preload':
      inTurn(() => assistant.preload(message.bundleDir, message.speech));
      break;
    case 'release':
      void assistant.release().then(() => post({ type: 'released' }));
      break;
  }
});
