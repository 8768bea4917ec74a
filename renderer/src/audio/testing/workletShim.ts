/**
 * Just enough AudioWorkletGlobalScope to run the processors as plain classes in Node. Import it before a
 * processor module. The port delivers commands synchronously and records what the processor posts; posting
 * goes through `structuredClone` with the transfer list, so a buffer the processor gave away is really detached
 * — reusing one would fail here as it would in the browser.
 */
import type { WorkletProcessor } from '../workletScope';

export interface Posted {
  message: unknown;
  transfer: Transferable[];
}

class ShimPort {
  readonly posted: Posted[] = [];
  onmessage: ((event: MessageEvent) => void) | null = null;

  postMessage(message: unknown, transfer: Transferable[] = []): void {
    this.posted.push({ message: structuredClone(message, { transfer }), transfer });
  }
}

export const registered = new Map<string, unknown>();

Object.assign(globalThis, {
  AudioWorkletProcessor: class {
    readonly port = new ShimPort();
  },
  registerProcessor: (name: string, processor: unknown) => registered.set(name, processor),
});

const portOf = (processor: WorkletProcessor) => processor.port as unknown as ShimPort;

/** Hands a command to the processor as its port would. */
export const deliver = (processor: WorkletProcessor, data: unknown) => portOf(processor).onmessage?.({ data } as MessageEvent);

/** Everything the processor posted so far, oldest first. */
export const postedBy = (processor: WorkletProcessor) => portOf(processor).posted;
