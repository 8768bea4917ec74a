/**
 * The encoders' two-layer MLP `fc2(gelu(fc1(x)))`, both Linear layers with biases: the AuT and ViT feed-forward
 * blocks, the AuT output projection (proj1 → proj2) and the ViT patch mergers (mlp.0 → mlp.2).
 */
import type { GeluApproximation } from '../../encoderConfig';
import type { LayerContext } from './context';
import { makeGelu } from './gelu';
import { makeLinear } from './linear';

export interface GeluMlpShape {
  inputSize: number;
  intermediateSize: number;
  outputSize: number;
  approximate: GeluApproximation;
}

/** `fc1`/`fc2` are the HF Linear modules (their `.weight` and `.bias` are read); `output` names a graph output. */
export async function makeGeluMlp(
  ctx: LayerContext,
  name: string,
  input: string,
  sources: { fc1: string; fc2: string },
  shape: GeluMlpShape,
  output?: string,
): Promise<string> {
  const { inputSize, intermediateSize, outputSize, approximate } = shape;
  const hidden = await makeLinear(ctx, `${name}/fc1`, input, `${sources.fc1}.weight`, intermediateSize, inputSize, { bias: `${sources.fc1}.bias` });
  const activated = makeGelu(ctx, `${name}/act_fn`, hidden, approximate);
  return makeLinear(ctx, `${name}/fc2`, activated, `${sources.fc2}.weight`, outputSize, intermediateSize, { bias: `${sources.fc2}.bias`, output });
}
