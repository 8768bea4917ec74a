/**
 * Code2Wav's convolutions on `[B, C, L]` (qwen3-omni.md §10): a causal Conv1d, left-padded by its dilated reach
 * `(k − 1)·d` so output t sees inputs ≤ t and the length is kept (stride 1 everywhere in Code2Wav, so transformers'
 * extra right padding is 0), and a ConvTranspose1d trimmed by `k − s` samples at both ends (Qwen3OmniMoeCausalTransConvNet).
 * PyTorch and ONNX share the weight layouts: Conv `[out, in/groups, k]`, ConvTranspose `[in, out, k]`.
 */
import { floatTensor, int64Tensor } from '../../onnx/graph';
import { weightName, type LayerContext } from './context';

export interface CausalConvOptions {
  dilation?: number;
  /** Depthwise when equal to the channel count. */
  groups?: number;
}

/** `source` is the HF `nn.Conv1d` (e.g. `code2wav.decoder.0.conv`), with weight and bias. */
export async function makeCausalConv1d(
  ctx: LayerContext,
  name: string,
  source: string,
  input: string,
  channels: { in: number; out: number; kernel: number },
  options: CausalConvOptions = {},
): Promise<string> {
  const { g } = ctx;
  const { dilation = 1, groups = 1 } = options;
  const dims = [channels.out, channels.in / groups, channels.kernel];
  const weight = await g.initializer(weightName(name, 'weight'), floatTensor(await ctx.weights.f32(`${source}.weight`, dims), dims));
  const bias = await g.initializer(weightName(name, 'bias'), floatTensor(await ctx.weights.f32(`${source}.bias`, [channels.out]), [channels.out]));
  return g.node(
    'Conv',
    [input, weight, bias],
    { kernel_shape: [channels.kernel], dilations: [dilation], group: groups, pads: [(channels.kernel - 1) * dilation, 0], strides: [1] },
    { name: `${name}/Conv` },
  )[0];
}

/** `source` is the HF `nn.ConvTranspose1d`; output length `(L − 1)·stride + kernel − 2·(kernel − stride)`. */
export async function makeCausalConvTranspose1d(
  ctx: LayerContext,
  name: string,
  source: string,
  input: string,
  channels: { in: number; out: number; kernel: number; stride: number },
): Promise<string> {
  const { g } = ctx;
  const dims = [channels.in, channels.out, channels.kernel];
  const weight = await g.initializer(weightName(name, 'weight'), floatTensor(await ctx.weights.f32(`${source}.weight`, dims), dims));
  const bias = await g.initializer(weightName(name, 'bias'), floatTensor(await ctx.weights.f32(`${source}.bias`, [channels.out]), [channels.out]));
  const [full] = g.node('ConvTranspose', [input, weight, bias], { kernel_shape: [channels.kernel], strides: [channels.stride] }, { name: `${name}/ConvTranspose` });
  const trim = channels.kernel - channels.stride;
  if (trim === 0) return full;
  return g.node('Slice', [full, g.constant(int64Tensor([trim])), g.constant(int64Tensor([-trim])), g.constant(int64Tensor([2]))], {}, { name: `${name}/Slice` })[0];
}
