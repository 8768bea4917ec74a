/**
 * `talker_proj` (onnx-bundle.md §2): the two resize MLPs that carry thinker states into the talker's width
 * (qwen3-omni.md §9.1–9.2), `Linear(Ht→P, bias) → SiLU → Linear(P→Hk, bias)`:
 *   thinker_embeds [text_rows, Ht] → text_proj [text_rows, Hk]   (text_projection of word embeddings)
 *   thinker_hidden [hidden_rows, Ht] → hidden_proj [hidden_rows, Hk] (hidden_projection of accept-layer states)
 * The row counts are independent, so a caller that needs one projection feeds zero rows to the other. Weights stay
 * fp32 in every variant: the two MLPs are small and feed every talker input.
 */
import type { TalkerConfig } from '../speechConfig';
import { DataType } from '../onnx/graph';
import type { LayerContext } from './layers/context';
import { makeLinear } from './layers/linear';
import { makeSilu } from './layers/mlp';
import { HIDDEN_ROWS, TEXT_ROWS } from './io';

/** Qwen3OmniMoeTalkerResizeMLP; `which` names both the node path and the HF module (`talker.{which}`). */
async function makeResizeMlp(ctx: LayerContext, which: 'text_projection' | 'hidden_projection', config: TalkerConfig, input: string, output: string): Promise<void> {
  const { thinkerHiddenSize: Ht, projectionSize: P, hiddenSize: Hk } = config;
  const name = `/model/${which}`;
  const source = `talker.${which}`;
  const fc1 = await makeLinear(ctx, `${name}/linear_fc1`, input, `${source}.linear_fc1.weight`, P, Ht, { bias: `${source}.linear_fc1.bias` });
  await makeLinear(ctx, `${name}/linear_fc2`, makeSilu(ctx, `${name}/act_fn`, fc1), `${source}.linear_fc2.weight`, Hk, P, { bias: `${source}.linear_fc2.bias`, output });
}

export async function makeTalkerProjection(ctx: LayerContext, config: TalkerConfig): Promise<void> {
  const { g } = ctx;
  const fp32: LayerContext = { ...ctx, precision: { kind: 'fp32' } };
  const { thinkerHiddenSize: Ht, hiddenSize: Hk } = config;
  const embeds = g.input('thinker_embeds', DataType.FLOAT, [TEXT_ROWS, Ht]);
  const hidden = g.input('thinker_hidden', DataType.FLOAT, [HIDDEN_ROWS, Ht]);
  await makeResizeMlp(fp32, 'text_projection', config, embeds, 'text_proj');
  await makeResizeMlp(fp32, 'hidden_projection', config, hidden, 'hidden_proj');
  g.output('text_proj', DataType.FLOAT, [TEXT_ROWS, Hk]);
  g.output('hidden_proj', DataType.FLOAT, [HIDDEN_ROWS, Hk]);
}
