/**
 * Qwen3 self-attention: q/k/v projections, RMSNorm per q/k head (optional: Code2Wav has none), rotary from given
 * cos/sin tables, causal GQA with a growing KV cache (or none) and an optional sliding window, o projection. The
 * rotation uses com.microsoft RotaryEmbedding with the per-token caches flattened to `[B·S, D/2]` and position ids
 * `0…B·S−1` (ORT-GenAI's Qwen-VL trick), so any M-RoPE position pattern works without the graph knowing about
 * M-RoPE; GQA then runs with `do_rotary=0`.
 */
import { DataType, int64Tensor } from '../../onnx/graph';
import type { LayerContext } from './context';
import { makeLinear } from './linear';
import { makeRmsNorm } from './rmsNorm';

export interface AttentionDims {
  hiddenSize: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  rmsNormEps: number;
}

/** Tensors every layer's attention shares, computed once per graph. */
export interface AttentionShared {
  /** int32 [B]: valid length − 1 per row (GQA's convention). */
  seqlensK: string;
  /** int32 scalar: past + new length. */
  totalSequenceLength: string;
  cosCache: string;
  sinCache: string;
  /** int64 [B, S]: row index into the flattened caches. */
  rotaryPositionIds: string;
}

export interface KvNames {
  /** '' = no cache input (a stateless graph). */
  pastKey: string;
  pastValue: string;
  presentKey: string;
  presentValue: string;
}

export interface AttentionOptions {
  /** Per-head RMSNorm of q and k before rotary (Qwen3 layers; Code2Wav has none). Default true. */
  qkNorm?: boolean;
  /** Keys a query sees: itself and the `slidingWindow − 1` before it (transformers' sliding mask). Default: all. */
  slidingWindow?: number;
}

/** `attentionMask` int64 [B, T]; `ropeCos`/`ropeSin` [B, S, D/2]. */
export function makeAttentionShared(ctx: LayerContext, attentionMask: string, ropeCos: string, ropeSin: string, headDim: number): AttentionShared {
  const { g } = ctx;
  const int32 = (name: string, input: string) => g.node('Cast', [input], { to: DataType.INT32 }, { name })[0];
  // onnx-bundle.md §4.1: seqlens_k = ReduceSum(mask) − 1, total_sequence_length = mask.shape[1].
  const [summed] = g.node('ReduceSum', [attentionMask, g.constant(int64Tensor([1]))], { keepdims: 0 }, { name: '/model/attn_mask_reformat/ReduceSum' });
  const [minusOne] = g.node('Sub', [summed, g.constant(int64Tensor([1], []))], {}, { name: '/model/attn_mask_reformat/Sub' });
  const seqlensK = int32('/model/attn_mask_reformat/seqlens_k/Cast', minusOne);
  const [maskShape] = g.node('Shape', [attentionMask], {}, { name: '/model/attn_mask_reformat/Shape' });
  const [total] = g.node('Gather', [maskShape, g.constant(int64Tensor([1], []))], { axis: 0 }, { name: '/model/attn_mask_reformat/Gather' });
  const totalSequenceLength = int32('/model/attn_mask_reformat/total_seq_len/Cast', total);

  const halfDim = g.constant(int64Tensor([-1, headDim / 2]));
  const [cosCache] = g.node('Reshape', [ropeCos, halfDim], {}, { name: '/model/rotary/cos_cache/Reshape' });
  const [sinCache] = g.node('Reshape', [ropeSin, halfDim], {}, { name: '/model/rotary/sin_cache/Reshape' });
  const [cosShape] = g.node('Shape', [ropeCos], { start: 0, end: 2 }, { name: '/model/rotary/Shape' });
  const [tokens] = g.node('ReduceProd', [cosShape], { keepdims: 0 }, { name: '/model/rotary/ReduceProd' });
  const [range] = g.node('Range', [g.constant(int64Tensor([0], [])), tokens, g.constant(int64Tensor([1], []))], {}, { name: '/model/rotary/Range' });
  const [rotaryPositionIds] = g.node('Reshape', [range, cosShape], {}, { name: '/model/rotary/position_ids/Reshape' });
  return { seqlensK, totalSequenceLength, cosCache, sinCache, rotaryPositionIds };
}

/**
 * `name` is the node path (`/model/layers.{i}/attn`), `source` the HF module (`….layers.{i}.self_attn`).
 * Returns the o_proj output [B, S, hidden].
 */
export async function makeAttention(
  ctx: LayerContext,
  name: string,
  source: string,
  dims: AttentionDims,
  input: string,
  shared: AttentionShared,
  kv: KvNames,
  options: AttentionOptions = {},
): Promise<string> {
  const { g } = ctx;
  const { hiddenSize: H, numHeads, numKvHeads, headDim: D, rmsNormEps } = dims;
  const { qkNorm = true, slidingWindow } = options;
  const q = await makeLinear(ctx, `${name}/q_proj`, input, `${source}.q_proj.weight`, numHeads * D, H);
  const k = await makeLinear(ctx, `${name}/k_proj`, input, `${source}.k_proj.weight`, numKvHeads * D, H);
  const v = await makeLinear(ctx, `${name}/v_proj`, input, `${source}.v_proj.weight`, numKvHeads * D, H);

  // Per-head RMSNorm before rotary (HF order): [B, S, N·D] → [B, S, N, D] → norm over D → back.
  const normed = async (x: string, which: 'q' | 'k', heads: number) => {
    const [split] = g.node('Reshape', [x, g.constant(int64Tensor([0, 0, heads, D]))], {}, { name: `${name}/${which}_norm/Reshape` });
    const norm = await makeRmsNorm(ctx, `${name}/${which}_norm`, { hidden: split }, `${source}.${which}_norm.weight`, D, rmsNormEps);
    return g.node('Reshape', [norm.normed, g.constant(int64Tensor([0, 0, heads * D]))], {}, { name: `${name}/${which}_norm/Reshape_1` })[0];
  };
  const rotated = async (x: string, which: 'q' | 'k', heads: number) => {
    const merged = qkNorm ? await normed(x, which, heads) : x;
    return g.node('RotaryEmbedding', [merged, shared.rotaryPositionIds, shared.cosCache, shared.sinCache], { interleaved: 0, num_heads: heads }, {
      name: `${name}/${which}_rotary/RotaryEmbedding`,
      domain: 'com.microsoft',
    })[0];
  };
  const qr = await rotated(q, 'q', numHeads);
  const kr = await rotated(k, 'k', numKvHeads);
  const [attended] = g.node(
    'GroupQueryAttention',
    [qr, kr, v, kv.pastKey, kv.pastValue, shared.seqlensK, shared.totalSequenceLength],
    {
      num_heads: numHeads,
      kv_num_heads: numKvHeads,
      scale: { float: 1 / Math.sqrt(D) },
      do_rotary: 0,
      // Same count as transformers' window, the query's own key included (72 → keys q−71…q): the 80-frame Code2Wav
      // golden fails with 71.
      ...(slidingWindow !== undefined ? { local_window_size: slidingWindow } : {}),
    },
    { name: `${name}/GroupQueryAttention`, domain: 'com.microsoft', outputs: [`${name}/GroupQueryAttention/output_0`, kv.presentKey, kv.presentValue] },
  );
  return makeLinear(ctx, `${name}/o_proj`, attended, `${source}.o_proj.weight`, H, numHeads * D);
}
