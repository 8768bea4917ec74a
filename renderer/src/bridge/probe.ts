/**
 * Proves the binary path to the engine works end to end: 100 ms of silence goes up the stream port as a
 * microphone utterance, and the engine's `mic.received` must come back counting every sample.
 */
import type { ErrorInfo, StreamDown, StreamUp } from '../../../main/ipc/contract';

export const PROBE_SAMPLES = 1600;

export interface ProbeResult {
  samples: number;
  roundTripMs: number;
}

export function probeEngineStream(
  port: MessagePort,
  { timeoutMs = 5000, now = () => performance.now() } = {},
): Promise<ProbeResult> {
  const turnId = `probe-${crypto.randomUUID()}`;
  const post = (message: StreamUp, transfer: Transferable[] = []) => port.postMessage(message, transfer);
  return new Promise<ProbeResult>((resolve, reject) => {
    const startedAt = now();
    const finish = (result: ProbeResult | undefined, error?: ErrorInfo) => {
      clearTimeout(timer);
      port.removeEventListener('message', onMessage);
      // The engine keeps a finished utterance until a turn takes it; a probe has no turn.
      post({ type: 'mic.cancel', turnId });
      if (result) resolve(result);
      else reject(error);
    };
    const onMessage = (event: MessageEvent<StreamDown>) => {
      const message = event.data;
      if (message.type === 'stream.error') finish(undefined, message.error);
      else if (message.type === 'mic.received' && message.turnId === turnId) {
        finish({ samples: message.samples, roundTripMs: now() - startedAt });
      }
    };
    const timer = setTimeout(
      () => finish(undefined, { code: 'ENGINE_TIMEOUT', message: `The engine did not acknowledge the test audio within ${timeoutMs} ms.` }),
      timeoutMs,
    );
    port.addEventListener('message', onMessage);
    port.start();
    const pcm = new Float32Array(PROBE_SAMPLES).buffer;
    post({ type: 'mic.chunk', turnId, seq: 0, sampleRate: 16000, format: 'f32', pcm }, [pcm]);
    post({ type: 'mic.end', turnId, seq: 1 });
  });
}
