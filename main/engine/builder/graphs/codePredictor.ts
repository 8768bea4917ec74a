/**
 * The code predictor (qwen3-omni.md §9.1, §9.3) as one graph, contract in onnx-bundle.md §2:
 *   inputs_embeds [B,S,Hc] (S = 2 at a frame's first step: [talker last_hidden, embedding of c0]; then 1),
 *   attention_mask [B,T] int64, head_index [] int64 (g − 1 when predicting group g), past_key_values.{i}.key/value
 *   → logits [B,V] (lm_head[head_index] at the last position), present.{i}.key/value,
 *     top_logits [B,K] float32 and top_ids [B,K] int32: the K = min(64, V) largest logits, descending, equal ones by
 *     id (ONNX TopK's rule). The host draws from those, not the row (codePredictor.ts, topKSelection.ts): its top-k 50
 *     is one pass over V logits per code in JS, 15 times a frame, and about the whole per-frame host budget.
 * Dense Qwen3 layers with plain 1-D RoPE; the positions are the cache positions P…T−1 (P = T − S), so the rotary
 * tables are computed here from the mask's length and the host feeds none. The 15 heads are one stacked initializer
 * `[G−1, Hc, V]` picked by a Gather, so one graph serves every step. A fresh cache per frame (T ≤ G + 1). Weights
 * stay fp32 in every variant (small, and the sampled codes are sensitive to them: onnx-bundle.md §1).
 */
import type { CodePredictorConfig } from '../speechConfig';
import { DataType, floatTensor, int64Tensor, type GraphBuilder } from '../onnx/graph';
import { makeAttentionShared } from './layers/attention';
import type { LayerContext } from './layers/context';
import { lastPosition, makeDecoderStack } from './layers/decoderStack';
import { makeRmsNorm } from './layers/rmsNorm';
import { makeRotaryTables } from './layers/rotary';
import { BATCH, SEQUENCE, TOTAL_SEQUENCE } from './io';

export async function makeCodePredictor(ctx: LayerContext, config: CodePredictorConfig, numCodeGroups: number): Promise<void> {
  const fp32: LayerContext = { ...ctx, precision: { kind: 'fp32' } };
  const { g } = ctx;
  const { hiddenSize: H, headDim: D, vocabSize: V } = config;
  const source = 'talker.code_predictor';
  const inputsEmbeds = g.input('inputs_embeds', DataType.FLOAT, [BATCH, SEQUENCE, H]);
  const attentionMask = g.input('attention_mask', DataType.INT64, [BATCH, TOTAL_SEQUENCE]);
  const headIndex = g.input('head_index', DataType.INT64, []);

  const dim = (tensor: string, axis: number, name: string) =>
    g.node('Gather', [g.node('Shape', [tensor], {}, { name: `${name}/Shape` })[0], g.constant(int64Tensor([axis], []))], { axis: 0 }, { name: `${name}/Gather` })[0];
  const total = dim(attentionMask, 1, '/model/positions/total');
  const added = dim(inputsEmbeds, 1, '/model/positions/added');
  const [start] = g.node('Sub', [total, added], {}, { name: '/model/positions/Sub' });
  const { cos, sin } = makeRotaryTables(ctx, inputsEmbeds, start, D, config.rope.theta);
  const shared = makeAttentionShared(ctx, attentionMask, cos, sin, D);
  const state = await makeDecoderStack(fp32, config, `${source}.model`, { hidden: inputsEmbeds }, shared);
  const { normed } = await makeRmsNorm(fp32, '/model/norm', lastPosition(ctx, state), `${source}.model.norm.weight`, H, config.rmsNormEps);

  // lm_head.{k}.weight [V, H] stored transposed and stacked: [G−1, H, V].
  const heads = numCodeGroups - 1;
  const stacked = new Float32Array(heads * H * V);
  for (let k = 0; k < heads; k++) {
    const weight = await ctx.weights.f32(`${source}.lm_head.${k}.weight`, [V, H]);
    for (let v = 0; v < V; v++) for (let h = 0; h < H; h++) stacked[(k * H + h) * V + v] = weight[v * H + h];
  }
  const table = await g.initializer('lm_head.weight', floatTensor(stacked, [heads, H, V]));
  const [head] = g.node('Gather', [table, headIndex], { axis: 0 }, { name: '/lm_head/Gather' });
  const [logits] = g.node('MatMul', [normed, head], {}, { name: '/lm_head/MatMul' });
  const [row] = g.node('Reshape', [logits, g.constant(int64Tensor([0, V]))], {}, { name: '/lm_head/Reshape', outputs: ['logits'] });
  g.output('logits', DataType.FLOAT, [BATCH, V]);
  rankLogits(g, row, Math.min(RANKED_LOGITS, V));
}

/** How many of the largest logits the graph returns: enough past top-k 50 that scores tied with the 50th fit. */
export const RANKED_LOGITS = 64;

/** `top_logits` and `top_ids` `[B, count]` of `logits` `[B, V]`: the largest, descending, equal ones by lower id. */
export function rankLogits(g: GraphBuilder, logits: string, count: number): void {
  const [, ids] = g.node('TopK', [logits, g.constant(int64Tensor([count], [1]))], { axis: -1, largest: 1, sorted: 1 }, { name: '/lm_head/TopK', outputs: ['top_logits', '/lm_head/TopK/indices'] });
  g.node('Cast', [ids], { to: DataType.INT32 }, { name: '/lm_head/TopK/Cast', outputs: ['top_ids'] });
  g.output('top_logits', DataType.FLOAT, [BATCH, count]);
  g.output('top_ids', DataType.INT32, [BATCH, count]);
}
