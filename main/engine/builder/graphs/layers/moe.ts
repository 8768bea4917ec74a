/**
 * The sparse MoE block: router logits → ORT `MoE` (fp32) or `QMoE` (int4 experts). Both kernels (CPU, ORT 1.30)
 * take the raw router logits, apply softmax → top-k → optional renormalisation themselves
 * (`normalize_routing_weights` = HF `norm_topk_prob`), and compute the fused SwiGLU as `g·σ(α·g)·(u + β)` with
 * gate/up interleaved (gate at even rows) and g clamped at `swiglu_limit`. With α = 1, β = 0 and no limit this is
 * exactly HF's `silu(gate) ⊙ up`; `moe.test.ts` checks it against a TS reference with gates far beyond GPT-OSS's
 * clamp of 7. A shared expert (the talker's), when configured, is added to the routed output.
 */
import { DataType, floatTensor, int64Tensor, streamedFloatTensor } from '../../onnx/graph';
import type { MoeConfig } from '../../config';
import { EXPERT_FORMAT, expertShape, qmoeBlockSize, readExperts, type ExpertStack } from '../../moe';
import { widen, type StoredFloats } from '../../safetensors';
import type { RowValues } from '../../weights';
import { RowQuantiser, THIS_THREAD } from '../../quantize';
import { weightName, type LayerContext } from './context';
import { makeLinear } from './linear';
import { makeSharedExpert } from './sharedExpert';

/** SiLU(g)·u: the GPT-OSS-style knobs set to the identity. */
const QWEN_SWIGLU = { activation_alpha: { float: 1 }, activation_beta: { float: 0 }, swiglu_limit: { float: Infinity } };

/** The fp32 variant's experts: read widened already (`fp32`), so this is a view of the same bytes. */
async function* widened(matrices: AsyncIterable<StoredFloats>): AsyncGenerator<Float32Array> {
  for await (const matrix of matrices) yield widen(matrix);
}

/** `name` is the node path (`/model/layers.{i}/moe`), `source` the HF module (`….layers.{i}.mlp`). */
export async function makeMoe(ctx: LayerContext, name: string, source: string, moe: MoeConfig, hiddenSize: number, input: string): Promise<string> {
  const { g, precision } = ctx;
  const H = hiddenSize;
  const E = moe.numExperts;
  const I = moe.intermediateSize;
  // The kernels take 2-D [tokens, H] rows with 2-D router logits [tokens, E].
  const [rows] = g.node('Reshape', [input, g.constant(int64Tensor([-1, H]))], {}, { name: `${name}/Reshape` });
  const logits = await makeLinear(ctx, `${name}/router`, rows, `${source}.gate.weight`, E, H, { fp32: true });
  const attributes = {
    k: moe.topK,
    activation_type: 'swiglu',
    swiglu_fusion: 1,
    normalize_routing_weights: moe.normTopKProb ? 1 : 0,
    ...QWEN_SWIGLU,
  };
  const experts = (which: ExpertStack, values: RowValues) => readExperts(ctx.weights, `${source}.experts`, moe, H, which, values);
  let mixed: string;
  if (precision.kind === 'fp32') {
    const stack = (which: ExpertStack) => g.initializer(weightName(name, `experts.${which}.weight`), streamedFloatTensor(widened(experts(which, 'fp32')), [E, ...expertShape(which, moe, H)]));
    const fc1 = await stack('fc1');
    const fc2 = await stack('fc2');
    [mixed] = g.node('MoE', [rows, logits, fc1, '', fc2], attributes, { name: `${name}/MoE`, domain: 'com.microsoft' });
  } else {
    const blockSize = qmoeBlockSize(precision.expertBlockSize, H, I);
    const { quantisers = THIS_THREAD } = ctx;
    /** The stack's packed levels [E, out, in/2] and scales [E, out, in/blockSize] (or [E, out] per row). */
    const quantised = async (which: ExpertStack): Promise<[string, string]> => {
      const [out, inner] = expertShape(which, moe, H);
      const q = new RowQuantiser({ tensor: `${source}.experts (${which})`, N: E * out, K: inner, blockSize: blockSize || inner, format: EXPERT_FORMAT }, quantisers);
      const levels = { byteLength: q.packedBytes, chunks: q.packed(experts(which, quantisers.values)) };
      const packed = await g.initializer(weightName(name, `experts.${which}.weight_Q4`), { dataType: DataType.UINT8, dims: [E, out, inner / 2], bytes: levels });
      const scales = await g.initializer(weightName(name, `experts.${which}.weight_scales`), floatTensor(q.allScales, blockSize ? [E, out, inner / blockSize] : [E, out]));
      return [packed, scales];
    };
    const [fc1, fc1Scales] = await quantised('fc1');
    const [fc2, fc2Scales] = await quantised('fc2');
    [mixed] = g.node('QMoE', [rows, logits, fc1, fc1Scales, '', fc2, fc2Scales], { ...attributes, expert_weight_bits: 4, ...(blockSize ? { block_size: blockSize } : {}) }, {
      name: `${name}/QMoE`,
      domain: 'com.microsoft',
    });
  }
  const [shape] = g.node('Shape', [input], {}, { name: `${name}/Shape` });
  const [routed] = g.node('Reshape', [mixed, shape], {}, { name: `${name}/Reshape_1` });
  if (moe.sharedExpertIntermediateSize === 0) return routed;
  const shared = await makeSharedExpert(ctx, name, source, H, moe.sharedExpertIntermediateSize, input);
  return g.node('Add', [routed, shared], {}, { name: `${name}/Add` })[0];
}
