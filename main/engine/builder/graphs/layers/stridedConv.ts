/**
 * The encoders' strided convolutions, HF `nn.Conv2d`/`nn.Conv3d` with bias as ONNX `Conv` on NC + spatial dims,
 * the weight kept in the checkpoint's `[out, in, ...kernel]` layout: the AuT's k3/s2/p1 downsampling and the ViT
 * patch embedding (kernel = stride, no padding).
 */
import { floatTensor } from '../../onnx/graph';
import { weightName, type LayerContext } from './context';

export interface StridedConvShape {
  outChannels: number;
  inChannels: number;
  kernel: number[];
  strides: number[];
  /** Zero padding per spatial axis, the same at both ends (PyTorch's `padding`). */
  padding: number[];
}

/** `source` is the HF module (its `.weight` and `.bias` are read). */
export async function makeStridedConv(ctx: LayerContext, name: string, input: string, source: string, shape: StridedConvShape): Promise<string> {
  const { g, weights } = ctx;
  const { outChannels, inChannels, kernel, strides, padding } = shape;
  const dims = [outChannels, inChannels, ...kernel];
  const weight = await g.initializer(weightName(name, 'weight'), floatTensor(await weights.f32(`${source}.weight`, dims), dims));
  const bias = await g.initializer(weightName(name, 'bias'), floatTensor(await weights.f32(`${source}.bias`, [outChannels]), [outChannels]));
  return g.node('Conv', [input, weight, bias], { kernel_shape: kernel, strides, pads: [...padding, ...padding] }, { name: `${name}/Conv` })[0];
}
