/**
 * What every layer helper needs: the graph being emitted, the checkpoint's weights and the weight precision of the
 * variant being built.
 */
import type { GraphBuilder } from '../../onnx/graph';
import type { Quantisers } from '../../quantize';
import type { WeightReader } from '../../weights';

export type Precision =
  | { kind: 'fp32' }
  | {
      kind: 'int4';
      /** MatMulNBits block along K (power of two ≥ 16). */
      blockSize: number;
      /** Requested QMoE block; per-row scales when it does not divide the expert widths (moe.ts qmoeBlockSize). */
      expertBlockSize: number;
      /** MatMulNBits accuracy_level: 4 = int8 activations on CPU. */
      accuracyLevel: number;
    };

export interface LayerContext {
  g: GraphBuilder;
  weights: WeightReader;
  precision: Precision;
  /** Where int4 weights are quantised (default: this thread). */
  quantisers?: Quantisers;
}

/** ORT-GenAI names an op's weights after the node path: `/model/layers.0/attn/q_proj` → `model.layers.0.attn.q_proj`. */
export const weightName = (nodePath: string, suffix: string) => `${nodePath.replace(/^\//, '').replaceAll('/', '.')}.${suffix}`;
