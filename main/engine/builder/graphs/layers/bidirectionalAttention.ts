/**
 * Non-causal multi-head attention for the encoders, `softmax(q·kᵀ/√d (+ mask))·v` per head, as com.microsoft
 * MultiHeadAttention on `[B, S, heads·d]` projections: each batch row is one attention block (an audio window, a
 * video frame group), so block-diagonal attention needs no `[S, S]` mask. The optional int32 key padding mask
 * `[B, S]` (1 = attend) hides the padded tail of a shorter block; the kernel adds a large negative, which makes
 * those weights exactly 0 in fp32.
 */
import type { LayerContext } from './context';

export function makeBidirectionalAttention(
  ctx: LayerContext,
  name: string,
  qkv: { q: string; k: string; v: string },
  numHeads: number,
  keyPaddingMask?: string,
): string {
  const inputs = [qkv.q, qkv.k, qkv.v, ...(keyPaddingMask ? ['', keyPaddingMask] : [])];
  return ctx.g.node('MultiHeadAttention', inputs, { num_heads: numHeads }, { name: `${name}/MultiHeadAttention`, domain: 'com.microsoft' })[0];
}
