/**
 * The parts of an AudioWorkletGlobalScope the processors use. TypeScript's DOM library does not describe that
 * scope, and declaring its names as globals would let page code call `registerProcessor` unnoticed; reaching
 * them through this one typed view keeps them where they exist. Tests install a shim under the same names.
 */
export interface WorkletProcessor {
  readonly port: MessagePort;
  process(inputs: Float32Array[][], outputs: Float32Array[][], parameters: Record<string, Float32Array>): boolean;
}

interface AudioWorkletScope {
  AudioWorkletProcessor: new (options?: AudioWorkletNodeOptions) => { readonly port: MessagePort };
  registerProcessor(name: string, processor: new (options?: AudioWorkletNodeOptions) => WorkletProcessor): void;
}

export const worklet = globalThis as unknown as AudioWorkletScope;
