/**
 * The growing key/value cache of a decoder graph (onnx-bundle.md §2, "dynamic" mode): each run takes the cache as
 * `past_key_values.{i}.key|value` `[1, kvHeads, P, headDim]` and returns it extended by the new positions as
 * `present.{i}.key|value` `[1, kvHeads, P + S, headDim]`. onnxruntime-node has no IoBinding on CPU, so the presents
 * come back as host tensors and are fed unchanged as the next run's pasts (no copy on our side). A sliding-window
 * graph (Code2Wav's transformer) returns only the positions later queries can see, so its cache stays bounded.
 */
import * as ort from './ort';

/** The manifest's description of a graph's cache (bundle.ts `kv`). */
export interface KvSpec {
  layers: number;
  kvHeads: number;
  headDim: number;
  /** printf-style: `%d` layer, `%s` key|value. */
  pastName: string;
  presentName: string;
}

const WHICH = ['key', 'value'] as const;

/** `past_key_values.%d.%s` → `past_key_values.3.value`. */
export const kvTensorName = (pattern: string, layer: number, which: 'key' | 'value') => pattern.replace('%d', String(layer)).replace('%s', which);

export class KvCache {
  private pasts: Record<string, ort.Tensor>;
  private positions = 0;
  private readonly names: { past: string; present: string }[];

  /**
   * `dtype`: the variant's cache dtype (manifest `variants[v].kv.dtype`); `window`: the most positions the graph's
   * presents keep (the last ones), unbounded by default.
   */
  constructor(
    readonly spec: KvSpec,
    private readonly dtype: 'float32' | 'float16' = 'float32',
    private readonly window = Infinity,
  ) {
    this.names = Array.from({ length: spec.layers }, (_, layer) => WHICH.map((which) => ({
      past: kvTensorName(spec.pastName, layer, which),
      present: kvTensorName(spec.presentName, layer, which),
    }))).flat();
    this.pasts = this.empty();
  }

  /** Cached positions P. */
  get length(): number {
    return this.positions;
  }

  /** The `past_key_values.*` feeds of the next run. */
  feeds(): Record<string, ort.Tensor> {
    return this.pasts;
  }

  /** `attention_mask` `[1, P + added]`: every cached and new position attends (batch 1, no padding). */
  attentionMask(added: number): ort.Tensor {
    const total = this.positions + added;
    return new ort.Tensor('int64', new BigInt64Array(total).fill(1n), [1, total]);
  }

  /** Takes a run's `present.*` outputs as the cache, `added` positions longer than before (up to the window). */
  update(outputs: Record<string, ort.Tensor>, added: number): void {
    const next: Record<string, ort.Tensor> = {};
    const expected = Math.min(this.positions + added, this.window);
    for (const { past, present } of this.names) {
      const tensor = outputs[present];
      if (!tensor) throw new Error(`KvCache: the run returned no ${present}`);
      if (tensor.dims[2] !== expected) {
        throw new Error(`KvCache: ${present} holds ${tensor.dims[2]} positions, expected ${this.positions} + ${added}${this.window < Infinity ? ` kept to the last ${this.window}` : ''}`);
      }
      next[past] = tensor;
    }
    this.pasts = next;
    this.positions = expected;
  }

  /** Keeps the first `length` positions (a prompt that shares only a prefix with what is cached). */
  truncate(length: number): void {
    if (length >= this.positions) return;
    if (length <= 0) {
      this.clear();
      return;
    }
    const { kvHeads, headDim } = this.spec;
    const kept: Record<string, ort.Tensor> = {};
    for (const [name, tensor] of Object.entries(this.pasts)) {
      // float32 → Float32Array, float16 → Uint16Array: the copy keeps the element type.
      const data = tensor.data as Float32Array | Uint16Array;
      const out = data.slice(0, kvHeads * length * headDim);
      for (let h = 0; h < kvHeads; h++) out.set(data.subarray(h * this.positions * headDim, (h * this.positions + length) * headDim), h * length * headDim);
      kept[name] = new ort.Tensor(this.dtype, out, [1, kvHeads, length, headDim]);
    }
    this.pasts = kept;
    this.positions = length;
  }

  clear(): void {
    this.pasts = this.empty();
    this.positions = 0;
  }

  private empty(): Record<string, ort.Tensor> {
    const { kvHeads, headDim } = this.spec;
    const none = new ort.Tensor(this.dtype, this.dtype === 'float32' ? new Float32Array(0) : new Uint16Array(0), [1, kvHeads, 0, headDim]);
    return Object.fromEntries(this.names.map(({ past }) => [past, none]));
  }
}
