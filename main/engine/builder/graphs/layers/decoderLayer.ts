/**
 * One pre-norm decoder layer, `h += Attn(RMSNorm(h)); h += MLP(RMSNorm(h))`, with the MLP sparse (MoE) or dense per
 * transformers' layer rule. Returns the hidden state with the second residual add pending, for the next norm to fuse.
 */
import { isMoeLayer, type DecoderConfig } from '../../config';
import { makeAttention, type AttentionShared, type KvNames } from './attention';
import type { LayerContext } from './context';
import { makeMlp } from './mlp';
import { makeMoe } from './moe';
import { makeRmsNorm, type HiddenState, type PendingResidual } from './rmsNorm';

/** `source` is the HF layer module, e.g. `thinker.model.layers.3`. */
export async function makeDecoderLayer(
  ctx: LayerContext,
  layer: number,
  config: DecoderConfig,
  source: string,
  state: HiddenState,
  shared: AttentionShared,
  kv: KvNames,
): Promise<PendingResidual> {
  const name = `/model/layers.${layer}`;
  const H = config.hiddenSize;
  const eps = config.rmsNormEps;
  const input = await makeRmsNorm(ctx, `${name}/input_layernorm`, state, `${source}.input_layernorm.weight`, H, eps);
  const attended = await makeAttention(ctx, `${name}/attn`, `${source}.self_attn`, config, input.normed, shared, kv);
  const post = await makeRmsNorm(ctx, `${name}/post_attention_layernorm`, { residual: input.sum, delta: attended }, `${source}.post_attention_layernorm.weight`, H, eps);
  const mlp =
    config.moe && isMoeLayer(config, layer)
      ? await makeMoe(ctx, `${name}/moe`, `${source}.mlp`, config.moe, H, post.normed)
      : await makeMlp(ctx, `${name}/mlp`, `${source}.mlp`, H, config.intermediateSize as number, post.normed);
  return { residual: post.sum, delta: mlp };
}
