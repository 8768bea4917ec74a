/**
 * Test helper: a WeightReader whose fp32 matrices are replaced by exactly what the int4 kernels compute with
 * (MatMulNBits blocks for linears, 4 or 8 bits as linear.ts picks, and QMoE blocks or rows for experts). An fp32
 * graph built over it must equal the int4 graph run with `accuracy_level` 0, which pins the quantised layouts without
 * any tolerance for rounding. Routers and the shared-expert gate stay fp32 in int4 graphs too (linear.ts `fp32`), and
 * so here.
 */
import type { DecoderConfig } from '../config';
import { EXPERT_FORMAT, qmoeBlockSize } from '../moe';
import { linearWeightBits } from '../graphs/layers/linear';
import { dequantize, quantizeBlockwise } from '../quantize';
import { WeightReader } from '../weights';

export class DequantisedWeights extends WeightReader {
  constructor(
    tensors: ConstructorParameters<typeof WeightReader>[0],
    private readonly config: DecoderConfig,
    private readonly blockSize: number,
    private readonly expertBlockSize: number,
  ) {
    super(tensors);
  }

  override async f32(name: string, shape?: number[]): Promise<Float32Array> {
    const weight = await super.f32(name, shape);
    if (!shape || shape.length !== 2 || name.endsWith('.mlp.gate.weight') || name.endsWith('.shared_expert_gate.weight')) return weight;
    const [N, K] = shape;
    if (name.includes('.mlp.experts.')) {
      const moe = this.config.moe!;
      const block = qmoeBlockSize(this.expertBlockSize, this.config.hiddenSize, moe.intermediateSize) || K;
      return dequantize(quantizeBlockwise(weight, N, K, block, EXPERT_FORMAT), N, K, block);
    }
    return dequantize(quantizeBlockwise(weight, N, K, this.blockSize, { bits: linearWeightBits(name), symmetric: false }), N, K, this.blockSize);
  }
}
