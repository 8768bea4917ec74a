/**
 * The page's audio stream to the engine, shared by push-to-talk (microphone up) and the speech player (speech
 * down). Opened on first use and dropped when the engine goes down — its streams die with it — so the next use
 * opens a new one; listeners stay across reopenings.
 */
import type { StoreApi } from 'zustand/vanilla';
import type { ErrorInfo, StreamDown, StreamUp } from '../../../main/ipc/contract';
import type { OmnideskApi } from '../../../preload/api';
import { connectEngineStream, type ConnectOptions } from '../bridge/stream';
import { isEngineUp, modelOpening, type EngineView } from '../stores/engine';

export interface EngineLink {
  /** Resolves once the stream is open; rejects with the shell's ErrorInfo. */
  open(): Promise<void>;
  /** Sends on the open stream; without one the message is dropped and `received` reports the loss. */
  post(message: StreamUp, transfer?: Transferable[]): void;
  onMessage(listener: (message: StreamDown) => void): () => void;
  /** The engine's count of a turn's microphone samples: its answer to `mic.end` (default RECEIVED_TIMEOUT_MS). */
  received(turnId: string, timeoutMs?: number): Promise<number>;
}

/**
 * How long the engine may take to count a voice message. It answers between two steps of what it runs, and one step
 * of the real model on the CPU (a prefill chunk) can take tens of seconds; while it opens a model it answers nothing
 * for minutes, so that time does not count (the engine's status says so). A crash fails the wait at once.
 */
export const RECEIVED_TIMEOUT_MS = 60_000;

const LOST: ErrorInfo = {
  code: 'ENGINE_UNAVAILABLE',
  message: 'The engine stopped while your voice was on its way.',
  hint: 'Wait until the engine is ready again (bottom left), then hold the talk key once more.',
};

export function createEngineLink(api: Pick<OmnideskApi, 'engine'>, engine: StoreApi<EngineView>, connect: ConnectOptions = {}): EngineLink {
  let port: MessagePort | undefined;
  let opening: Promise<MessagePort> | undefined;
  const listeners = new Set<(message: StreamDown) => void>();
  const waiting = new Set<(error: ErrorInfo) => void>();

  const drop = () => {
    port?.close();
    port = undefined;
    opening = undefined;
    waiting.forEach((fail) => fail(LOST));
  };
  engine.subscribe((view) => {
    if (!isEngineUp(view)) drop();
  });

  const onMessage = (listener: (message: StreamDown) => void) => {
    listeners.add(listener);
    return () => void listeners.delete(listener);
  };

  return {
    open: async () => {
      opening ??= connectEngineStream(api, connect).then((opened) => {
        port = opened;
        opened.onmessage = (event: MessageEvent<StreamDown>) => listeners.forEach((listener) => listener(event.data));
        return opened;
      });
      try {
        await opening;
      } catch (error) {
        opening = undefined;
        throw error;
      }
    },
    post: (message, transfer = []) => port?.postMessage(message, transfer),
    onMessage,
    received: (turnId, timeoutMs = RECEIVED_TIMEOUT_MS) =>
      new Promise<number>((resolve, reject) => {
        if (!port) {
          reject(LOST);
          return;
        }
        const stop = () => {
          clearTimeout(timer);
          off();
          waiting.delete(fail);
        };
        const fail = (error: ErrorInfo) => {
          stop();
          reject(error);
        };
        const off = onMessage((message) => {
          if (message.type === 'stream.error') fail(message.error);
          if (message.type === 'mic.received' && message.turnId === turnId) {
            stop();
            resolve(message.samples);
          }
        });
        const expire = () =>
          modelOpening(engine.getState().status?.model)
            ? (timer = setTimeout(expire, timeoutMs))
            : fail({ code: 'ENGINE_TIMEOUT', message: `The engine did not confirm your voice message within ${timeoutMs / 1000} s.` });
        let timer = setTimeout(expire, timeoutMs);
        waiting.add(fail);
      }),
  };
}
