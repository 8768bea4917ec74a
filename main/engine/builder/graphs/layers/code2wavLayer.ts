/**
 * One Code2Wav pre-transformer layer (Qwen3OmniMoeCode2WavTransformerLayer): `h += s₁ ⊙ Attn(RMSNorm(h))`,
 * `h += s₂ ⊙ MLP(RMSNorm(h))` with learnt per-channel LayerScale vectors s₁, s₂; attention without q/k norm, causal
 * and limited to a sliding window; `kv` names its cache (none in the one-pass graph). Returns the second residual add
 * pending.
 */
import type { Code2WavConfig } from '../../speechConfig';
import { floatTensor } from '../../onnx/graph';
import { makeAttention, type AttentionShared, type KvNames } from './attention';
import { weightName, type LayerContext } from './context';
import { makeMlp } from './mlp';
import { makeRmsNorm, type HiddenState, type PendingResidual } from './rmsNorm';

export async function makeCode2WavLayer(ctx: LayerContext, layer: number, config: Code2WavConfig, state: HiddenState, shared: AttentionShared, kv: KvNames): Promise<PendingResidual> {
  const { g } = ctx;
  const H = config.hiddenSize;
  const eps = config.rmsNormEps;
  const name = `/model/pre_transformer/layers.${layer}`;
  const source = `code2wav.pre_transformer.layers.${layer}`;
  const layerScale = async (which: string, delta: string) => {
    const scale = await g.initializer(weightName(`${name}/${which}`, 'scale'), floatTensor(await ctx.weights.f32(`${source}.${which}.scale`, [H]), [H]));
    return g.node('Mul', [delta, scale], {}, { name: `${name}/${which}/Mul` })[0];
  };
  const input = await makeRmsNorm(ctx, `${name}/input_layernorm`, state, `${source}.input_layernorm.weight`, H, eps);
  const attended = await makeAttention(ctx, `${name}/attn`, `${source}.self_attn`, config, input.normed, shared, kv, {
    qkNorm: false,
    slidingWindow: config.slidingWindow,
  });
  const post = await makeRmsNorm(ctx, `${name}/post_attention_layernorm`, { residual: input.sum, delta: await layerScale('self_attn_layer_scale', attended) }, `${source}.post_attention_layernorm.weight`, H, eps);
  const mlp = await makeMlp(ctx, `${name}/mlp`, `${source}.mlp`, H, config.intermediateSize, post.normed);
  return { residual: post.sum, delta: await layerScale('mlp_layer_scale', mlp) };
}
