/**
 * Test helper: a WeightReader whose fp32 matrices are replaced by exactly what the int4 kernels compute with
 * (MatMulNBits blocks for linears, 4 or 8 bits as linear.ts picks, and QMoE blocks or rows for experts). An fp32
 * graph built over it must equal the int4 graph run with `accuracy_level` 0, which pins the quantised layouts without
 * any tolerance for rounding. Routers and the shared-expert gate stay fp32 in int4 graphs too (linear.ts `fp32`), and
 * so here. Quantisation is per row, so any block of rows the builder reads is substituted on its own.
 */
import type { DecoderConfig } from '../config';
import { EXPERT_FORMAT, qmoeBlockSize } from '../moe';
import { linearWeightBits } from '../graphs/layers/linear';
import { dequantize, quantizeBlockwise, type QuantisationFormat } from '../quantize';
import type { MatrixBlock, TensorInfo } from '../safetensors';
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

  protected override async read(info: TensorInfo, block: MatrixBlock): Promise<Float32Array> {
    const { name, shape } = info;
    if (shape.length !== 2 || name.endsWith('.mlp.gate.weight') || name.endsWith('.shared_expert_gate.weight')) return super.read(info, block);
    const K = shape[1];
    const rows = await super.read(info, { ...block, column: 0, columns: K });
    const [quantisation, format]: [number, QuantisationFormat] = name.includes('.mlp.experts.')
      ? [qmoeBlockSize(this.expertBlockSize, this.config.hiddenSize, this.config.moe!.intermediateSize) || K, EXPERT_FORMAT]
      : [this.blockSize, { bits: linearWeightBits(name), symmetric: false }];
    const values = dequantize(quantizeBlockwise(rows, block.rows, K, quantisation, format), block.rows, K, quantisation);
    if (block.columns === K) return values;
    const out = new Float32Array(block.rows * block.columns);
    for (let r = 0; r < block.rows; r++) out.set(values.subarray(r * K + block.column, r * K + block.column + block.columns), r * block.columns);
    return out;
  }
}
