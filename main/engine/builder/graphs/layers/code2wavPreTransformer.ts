/**
 * Code2Wav's long-range half (qwen3-omni.md §10): the code embedding (row code + q·codebook, **mean** over the Q
 * groups) and the sliding-window pre-transformer with its final RMSNorm, `codes [B, Q, S]` → `[B, S, H]`. The
 * one-pass graph runs it without a cache; the streaming graph (code2wavTransformer.ts) with one bounded to the window.
 */
import type { Code2WavConfig } from '../../speechConfig';
import { int64Tensor } from '../../onnx/graph';
import { gatherRows, tableDataType } from '../embedTokens';
import { makeAttentionShared, type KvNames } from './attention';
import { makeCode2WavLayer } from './code2wavLayer';
import type { LayerContext } from './context';
import { makeRmsNorm, type HiddenState } from './rmsNorm';
import { makeRotaryTables } from './rotary';

export interface PreTransformerInputs {
  /** int64 `[B, Q, S]`. */
  codes: string;
  /** int64 `[B, P + S]`, all ones: the cached and the new frames. */
  attentionMask: string;
  /** int64 scalar: the position of the first new frame (RoPE keeps absolute positions, as the one pass does). */
  firstPosition: string;
  /** Per layer: its cache I/O (no past in the one-pass graph). */
  kv: (layer: number) => KvNames;
}

/** Returns the normed transformer output `[B, S, H]`. `ctx` must be fp32: Code2Wav is never quantised. */
export async function makeCode2WavPreTransformer(ctx: LayerContext, config: Code2WavConfig, inputs: PreTransformerInputs): Promise<string> {
  const { g } = ctx;
  const { hiddenSize: H, numQuantizers: Q, codebookSize } = config;
  const embedding = 'code2wav.code_embedding.weight';
  const dims = [Q * codebookSize, H];
  const dataType = tableDataType(embedding, ctx.weights.info(embedding, dims).dtype);
  const table = await g.initializer('model.code_embedding.weight', { dataType, dims, bytes: ctx.weights.stored(embedding, dims) });
  const offsets = g.constant(int64Tensor(Array.from({ length: Q }, (_, q) => q * codebookSize), [1, Q, 1]));
  const [index] = g.node('Add', [inputs.codes, offsets], {}, { name: '/model/code_embedding/Add' });
  const rows = gatherRows(ctx, '/model/code_embedding', table, dataType, index);
  const [embeds] = g.node('ReduceMean', [rows, g.constant(int64Tensor([1]))], { keepdims: 0 }, { name: '/model/code_embedding/ReduceMean' });

  const { cos, sin } = makeRotaryTables(ctx, embeds, inputs.firstPosition, config.headDim, config.ropeTheta);
  const shared = makeAttentionShared(ctx, inputs.attentionMask, cos, sin, config.headDim);
  let state: HiddenState = { hidden: embeds };
  for (let layer = 0; layer < config.numLayers; layer++) state = await makeCode2WavLayer(ctx, layer, config, state, shared, inputs.kv(layer));
  return (await makeRmsNorm(ctx, '/model/pre_transformer/norm', state, 'code2wav.pre_transformer.norm.weight', H, config.rmsNormEps)).normed;
}
