/**
 * The talker decoder (qwen3-omni.md §9.1) as one graph, contract in onnx-bundle.md §2:
 *   inputs_embeds [B,S,Hk], attention_mask [B,T] int64, rope_cos/rope_sin [B,S,D/2] (host M-RoPE from the talker's
 *   own position ids), past_key_values.{i}.key/value [B,kvH,P,D]
 *   → logits [B,1,Vc] (codec_head, last position), last_hidden [B,1,Hk], present.{i}.key/value [B,kvH,T,D].
 * The thinker's layer stack at the talker's width, every layer MoE plus the sigmoid-gated shared expert.
 * `last_hidden` is the final-norm output: it is what the code predictor's first input row is (transformers 5.18
 * replaces `hidden_states[-1]` with the normed state, §9.3).
 */
import type { TalkerConfig } from '../speechConfig';
import { DataType } from '../onnx/graph';
import { makeAttentionShared } from './layers/attention';
import type { LayerContext } from './layers/context';
import { lastPosition, makeDecoderStack } from './layers/decoderStack';
import { makeLinear } from './layers/linear';
import { makeRmsNorm } from './layers/rmsNorm';
import { BATCH, SEQUENCE, TOTAL_SEQUENCE } from './io';

export async function makeTalker(ctx: LayerContext, config: TalkerConfig): Promise<void> {
  const { g } = ctx;
  const { hiddenSize: H, headDim: D, vocabSize: V } = config;
  const source = 'talker.model';
  const inputsEmbeds = g.input('inputs_embeds', DataType.FLOAT, [BATCH, SEQUENCE, H]);
  const attentionMask = g.input('attention_mask', DataType.INT64, [BATCH, TOTAL_SEQUENCE]);
  const ropeCos = g.input('rope_cos', DataType.FLOAT, [BATCH, SEQUENCE, D / 2]);
  const ropeSin = g.input('rope_sin', DataType.FLOAT, [BATCH, SEQUENCE, D / 2]);
  const shared = makeAttentionShared(ctx, attentionMask, ropeCos, ropeSin, D);
  const state = await makeDecoderStack(ctx, config, source, { hidden: inputsEmbeds }, shared);

  const { normed } = await makeRmsNorm(ctx, '/model/norm', lastPosition(ctx, state), `${source}.norm.weight`, H, config.rmsNormEps);
  g.node('Identity', [normed], {}, { name: '/model/norm/last_hidden/Identity', outputs: ['last_hidden'] });
  const head = config.tieWordEmbeddings ? `${source}.codec_embedding.weight` : 'talker.codec_head.weight';
  await makeLinear(ctx, '/codec_head', normed, head, V, H, { output: 'logits' });
  g.output('logits', DataType.FLOAT, [BATCH, 1, V]);
  g.output('last_hidden', DataType.FLOAT, [BATCH, 1, H]);
}
