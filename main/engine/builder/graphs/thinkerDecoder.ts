/**
 * The thinker text decoder (qwen3-omni.md §8) as one graph, contract in onnx-bundle.md §2:
 *   inputs_embeds [B,S,H], attention_mask [B,T] int64, rope_cos/rope_sin [B,S,D/2] (host M-RoPE),
 *   deepstack_embeds [K,B,S,H] (K = number of deepstack layers; zeros without vision),
 *   past_key_values.{i}.key/value [B,kvH,P,D]
 *   → logits [B,1,V] (last position only), accept_hidden_states [B,S,H], present.{i}.key/value [B,kvH,T,D].
 * Deepstack features are added to the output of layers 0..K−1 (HF `_deepstack_process`, dense add = masked add
 * since the host puts zeros off the visual slots). The accept tap is the output of layer acceptHiddenLayer − 1
 * before any deepstack add: transformers 5.18 records hidden states with a hook on the decoder layer, and the
 * deepstack add happens after it (qwen3-omni.md §8, last bullet).
 */
import type { ThinkerConfig } from '../config';
import { DataType, int64Tensor } from '../onnx/graph';
import { makeAttentionShared } from './layers/attention';
import type { LayerContext } from './layers/context';
import { lastPosition, makeDecoderStack } from './layers/decoderStack';
import { makeLinear } from './layers/linear';
import { materialize, makeRmsNorm, type HiddenState, type PendingResidual } from './layers/rmsNorm';
import { BATCH, SEQUENCE, TOTAL_SEQUENCE } from './io';

export async function makeThinker(ctx: LayerContext, config: ThinkerConfig): Promise<void> {
  const { g } = ctx;
  const { hiddenSize: H, headDim: D, vocabSize: V } = config;
  const source = 'thinker.model';
  const inputsEmbeds = g.input('inputs_embeds', DataType.FLOAT, [BATCH, SEQUENCE, H]);
  const attentionMask = g.input('attention_mask', DataType.INT64, [BATCH, TOTAL_SEQUENCE]);
  const ropeCos = g.input('rope_cos', DataType.FLOAT, [BATCH, SEQUENCE, D / 2]);
  const ropeSin = g.input('rope_sin', DataType.FLOAT, [BATCH, SEQUENCE, D / 2]);
  const deepstack = config.deepstackLayers > 0 ? g.input('deepstack_embeds', DataType.FLOAT, [config.deepstackLayers, BATCH, SEQUENCE, H]) : null;
  const shared = makeAttentionShared(ctx, attentionMask, ropeCos, ropeSin, D);

  const afterLayer = (layer: number, output: PendingResidual): HiddenState => {
    let state: HiddenState = output;
    if (config.acceptHiddenLayer !== null && layer === config.acceptHiddenLayer - 1) {
      state = { hidden: materialize(ctx, `/model/layers.${layer}/accept`, output, 'accept_hidden_states') };
      g.output('accept_hidden_states', DataType.FLOAT, [BATCH, SEQUENCE, H]);
    }
    if (deepstack && layer < config.deepstackLayers) {
      const name = `/model/layers.${layer}/deepstack`;
      const [feature] = g.node('Gather', [deepstack, g.constant(int64Tensor([layer], []))], { axis: 0 }, { name: `${name}/Gather` });
      state =
        'hidden' in state
          ? { hidden: g.node('Add', [state.hidden, feature], {}, { name: `${name}/Add` })[0] }
          : { residual: state.residual, delta: g.node('Add', [state.delta, feature], {}, { name: `${name}/Add` })[0] };
    }
    return state;
  };
  const state = await makeDecoderStack(ctx, config, source, { hidden: inputsEmbeds }, shared, afterLayer);

  const { normed } = await makeRmsNorm(ctx, '/model/norm', lastPosition(ctx, state), `${source}.norm.weight`, H, config.rmsNormEps);
  const lmHead = config.tieWordEmbeddings ? `${source}.embed_tokens.weight` : 'thinker.lm_head.weight';
  await makeLinear(ctx, '/lm_head', normed, lmHead, V, H, { output: 'logits' });
  g.output('logits', DataType.FLOAT, [BATCH, 1, V]);
}
