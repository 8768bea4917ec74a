/**
 * The worker thread of AssistantThread: the engine's `Assistant`, with onnxruntime's sessions, behind messages. Turns
 * arrive already claimed (the engine's thread checked them), so a refusal here means the two disagree, which ends
 * the turn with that error rather than leave the engine's thread waiting for it.
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
  onBusy: (busy) => post({ type: 'busy', busy }),
  onSpeech: (chunk) => post({ type: 'speech', chunk }),
  onLoad: (load) => post({ type: 'load', load }),
});

port.on('message', (message: ToAssistantWorker) => {
  switch (message.type) {
    case 'start':
      try {
        assistant.begin(message.request, message.spoken);
      } catch (error) {
        post({ type: 'turn', event: { type: 'error', turnId: message.request.turnId, error: toErrorInfo(error) } });
        post({ type: 'busy', busy: false });
      }
      break;
    case 'interrupt':
      assistant.interrupt(message.turnId);
      break;
    case 'preload':
      assistant.preload(message.bundleDir, message.speech);
      break;
    case 'release':
      void assistant.release().then(() => post({ type: 'released' }));
      break;
  }
});
