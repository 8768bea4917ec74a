/**
 * What the thinker, talker and code predictor graphs share around their decoder layers: each layer's KV cache I/O
 * (`past_key_values.{i}.key|value [B,kvH,P,D]` → `present.{i}.key|value [B,kvH,T,D]`, onnx-bundle.md §4.2), the layer
 * loop, and the cut to the last position before the final norm and head.
 */
import type { DecoderConfig } from '../../config';
import { DataType, int64Tensor } from '../../onnx/graph';
import { BATCH, PAST_SEQUENCE, pastName, presentName, TOTAL_SEQUENCE } from '../io';
import type { AttentionShared, KvNames } from './attention';
import type { LayerContext } from './context';
import { makeDecoderLayer } from './decoderLayer';
import type { HiddenState, PendingResidual } from './rmsNorm';

/** Declares layer `layer`'s cache input and output. */
export function declareKvCache(ctx: LayerContext, layer: number, numKvHeads: number, headDim: number): KvNames {
  const { g } = ctx;
  const kv = { pastKey: pastName(layer, 'key'), pastValue: pastName(layer, 'value'), presentKey: presentName(layer, 'key'), presentValue: presentName(layer, 'value') };
  for (const past of [kv.pastKey, kv.pastValue]) g.input(past, DataType.FLOAT, [BATCH, numKvHeads, PAST_SEQUENCE, headDim]);
  for (const present of [kv.presentKey, kv.presentValue]) g.output(present, DataType.FLOAT, [BATCH, numKvHeads, TOTAL_SEQUENCE, headDim]);
  return kv;
}

/**
 * Runs `config.numLayers` decoder layers (weights under `{source}.layers.{i}`) with a KV cache each. `afterLayer`
 * may observe or change a layer's output (the thinker's accept tap and deepstack adds).
 */
export async function makeDecoderStack(
  ctx: LayerContext,
  config: DecoderConfig,
  source: string,
  input: HiddenState,
  shared: AttentionShared,
  afterLayer: (layer: number, output: PendingResidual) => HiddenState = (_, output) => output,
): Promise<HiddenState> {
  let state = input;
  for (let layer = 0; layer < config.numLayers; layer++) {
    const kv = declareKvCache(ctx, layer, config.numKvHeads, config.headDim);
    state = afterLayer(layer, await makeDecoderLayer(ctx, layer, config, `${source}.layers.${layer}`, state, shared, kv));
  }
  return state;
}

/**
 * The last position `[B, 1, H]` of a hidden state. Only it leaves the graph (a long prefill's full logits would be
 * gigabytes); norm and heads are per-position, so cutting before them is exact.
 */
export function lastPosition(ctx: LayerContext, state: HiddenState): HiddenState {
  const { g } = ctx;
  const slice = (x: string, name: string) =>
    g.node('Slice', [x, g.constant(int64Tensor([-1])), g.constant(int64Tensor([Number.MAX_SAFE_INTEGER])), g.constant(int64Tensor([1]))], {}, { name })[0];
  return 'hidden' in state
    ? { hidden: slice(state.hidden, '/model/final_norm/hidden/Slice') }
    : { residual: slice(state.residual, '/model/final_norm/residual/Slice'), delta: slice(state.delta, '/model/final_norm/delta/Slice') };
}
