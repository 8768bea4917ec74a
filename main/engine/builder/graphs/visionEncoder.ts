/**
 * The ViT vision encoder with its deepstack mergers (qwen3-omni.md §5, transformers' `Qwen3OmniMoeVisionEncoder`)
 * as one graph that runs one image or one video per call, batched over its temporal patch groups (the variant of
 * onnx-bundle.md §2 / qwen3-omni.md §12):
 *
 *   pixel_values [grid_t, grid_patches, C·T·p·p]   the processor's rows of this image/video (block order)
 *   pos_idx [4, grid_patches] int64, pos_w [4, grid_patches]
 *                                                  bilinear taps into the learned position table, per patch
 *   rope_cos / rope_sin [grid_patches, head_dim/2] the 2-D rotary angles (row then column frequencies)
 *   → image_features [visual_tokens, H]            the final merger, one row per 2×2 block (HF pooler_output)
 *   → deepstack_features [K, visual_tokens, H]     merger_list[k] after block deepstack_visual_indexes[k]
 *
 * transformers attends within each temporal group only (`cu_seqlens` = h·w per group), which here is one batch row
 * per group; every group of one image/video shares the position table and the rotary angles (host work,
 * omni/visionEncoderInputs.ts), so no mask and no `cu_seqlens` reach the graph.
 */
import type { VisionEncoderConfig } from '../encoderConfig';
import { DataType, floatTensor, int64Tensor } from '../onnx/graph';
import { VISION_GROUPS, VISION_PATCHES, VISION_TOKENS } from './io';
import { makeBidirectionalAttention } from './layers/bidirectionalAttention';
import type { LayerContext } from './layers/context';
import { makeStridedConv } from './layers/stridedConv';
import { makeGeluMlp } from './layers/geluMlp';
import { makeLayerNorm } from './layers/layerNorm';
import { makeLinear } from './layers/linear';

const SOURCE = 'thinker.visual';
/** Every ViT LayerNorm (blocks and mergers) is built with eps 1e-6. */
const LAYER_NORM_EPS = 1e-6;

/**
 * `Qwen3OmniMoeVisionPatchMerger`: a 2×2 block of patches (consecutive rows in block order) becomes one vector of
 * unit·D values → Linear → GELU(erf) → Linear(→ H). The final merger normalises each patch before the shuffle, the
 * deepstack mergers the shuffled vector (`use_postshuffle_norm`).
 */
async function makeMerger(
  ctx: LayerContext,
  name: string,
  source: string,
  input: string,
  config: VisionEncoderConfig,
  postShuffleNorm: boolean,
  output?: string,
): Promise<string> {
  const { g } = ctx;
  const D = config.hiddenSize;
  const merged = D * config.spatialMergeSize ** 2;
  const shuffle = (x: string) => g.node('Reshape', [x, g.constant(int64Tensor([-1, merged]))], {}, { name: `${name}/Reshape` })[0];
  const normed = postShuffleNorm
    ? await makeLayerNorm(ctx, `${name}/ln_q`, shuffle(input), `${source}.ln_q`, merged, LAYER_NORM_EPS)
    : shuffle(await makeLayerNorm(ctx, `${name}/ln_q`, input, `${source}.ln_q`, D, LAYER_NORM_EPS));
  return makeGeluMlp(ctx, `${name}/mlp`, normed, { fc1: `${source}.mlp.0`, fc2: `${source}.mlp.2` }, {
    inputSize: merged,
    intermediateSize: merged,
    outputSize: config.outputSize,
    approximate: 'none',
  }, output);
}

export async function makeVisionEncoder(ctx: LayerContext, config: VisionEncoderConfig): Promise<void> {
  const { g } = ctx;
  const { hiddenSize: D, numHeads, inChannels, temporalPatchSize, patchSize } = config;
  const headDim = D / numHeads;
  const patchValues = inChannels * temporalPatchSize * patchSize * patchSize;
  const pixelValues = g.input('pixel_values', DataType.FLOAT, [VISION_GROUPS, VISION_PATCHES, patchValues]);
  const posIdx = g.input('pos_idx', DataType.INT64, [4, VISION_PATCHES]);
  const posW = g.input('pos_w', DataType.FLOAT, [4, VISION_PATCHES]);
  const ropeCos = g.input('rope_cos', DataType.FLOAT, [VISION_PATCHES, headDim / 2]);
  const ropeSin = g.input('rope_sin', DataType.FLOAT, [VISION_PATCHES, headDim / 2]);

  // Patch embedding: the Conv3d whose kernel equals its stride, on each patch as a [C, T, p, p] volume.
  const [volumes] = g.node('Reshape', [pixelValues, g.constant(int64Tensor([-1, inChannels, temporalPatchSize, patchSize, patchSize]))], {}, {
    name: '/model/visual/patch_embed/Reshape',
  });
  const kernel = [temporalPatchSize, patchSize, patchSize];
  const patches = await makeStridedConv(ctx, '/model/visual/patch_embed/proj', volumes, `${SOURCE}.patch_embed.proj`, {
    outChannels: D,
    inChannels,
    kernel,
    strides: kernel,
    padding: [0, 0, 0],
  });
  const [groupsAndPatches] = g.node('Shape', [pixelValues], { start: 0, end: 2 }, { name: '/model/visual/patch_embed/Shape' });
  const [embeddedShape] = g.node('Concat', [groupsAndPatches, g.constant(int64Tensor([D]))], { axis: 0 }, { name: '/model/visual/patch_embed/Concat' });
  const [embedded] = g.node('Reshape', [patches, embeddedShape], {}, { name: '/model/visual/patch_embed/Reshape_1' });

  // Learned positions resampled to this grid: Σ_tap w·table[idx], the same for every temporal group.
  const sides = config.numGridPerSide;
  const tableDims = [sides * sides, D];
  const table = await g.initializer('model.visual.pos_embed.weight', floatTensor(await ctx.weights.f32(`${SOURCE}.pos_embed.weight`, tableDims), tableDims));
  const [taps] = g.node('Gather', [table, posIdx], { axis: 0 }, { name: '/model/visual/pos_embed/Gather' });
  const [weights] = g.node('Unsqueeze', [posW, g.constant(int64Tensor([2]))], {}, { name: '/model/visual/pos_embed/Unsqueeze' });
  const [weighted] = g.node('Mul', [taps, weights], {}, { name: '/model/visual/pos_embed/Mul' });
  const [positions] = g.node('ReduceSum', [weighted, g.constant(int64Tensor([0]))], { keepdims: 0 }, { name: '/model/visual/pos_embed/ReduceSum' });
  let hidden = g.node('Add', [embedded, positions], {}, { name: '/model/visual/pos_embed/Add' })[0];

  // Rotary caches indexed by patch: position_ids [1] = 0 makes token s of every batch row read cache row s.
  const firstPosition = g.constant(int64Tensor([0]));
  const deepstack: string[] = [];
  for (let block = 0; block < config.depth; block++) {
    const name = `/model/visual/blocks.${block}`;
    const source = `${SOURCE}.blocks.${block}`;
    const normed = await makeLayerNorm(ctx, `${name}/norm1`, hidden, `${source}.norm1`, D, LAYER_NORM_EPS);
    const qkv = await makeLinear(ctx, `${name}/attn/qkv`, normed, `${source}.attn.qkv.weight`, 3 * D, D, { bias: `${source}.attn.qkv.bias` });
    const [q, k, v] = g.node('Split', [qkv, g.constant(int64Tensor([D, D, D]))], { axis: -1 }, { name: `${name}/attn/Split`, outputCount: 3 });
    const rotate = (x: string, which: 'q' | 'k') =>
      g.node('RotaryEmbedding', [x, firstPosition, ropeCos, ropeSin], { interleaved: 0, num_heads: numHeads }, {
        name: `${name}/attn/${which}_rotary/RotaryEmbedding`,
        domain: 'com.microsoft',
      })[0];
    const attended = makeBidirectionalAttention(ctx, `${name}/attn`, { q: rotate(q, 'q'), k: rotate(k, 'k'), v }, numHeads);
    const out = await makeLinear(ctx, `${name}/attn/proj`, attended, `${source}.attn.proj.weight`, D, D, { bias: `${source}.attn.proj.bias` });
    const [afterAttention] = g.node('Add', [hidden, out], {}, { name: `${name}/attn/residual/Add` });
    const normedMlp = await makeLayerNorm(ctx, `${name}/norm2`, afterAttention, `${source}.norm2`, D, LAYER_NORM_EPS);
    const mlp = await makeGeluMlp(ctx, `${name}/mlp`, normedMlp, { fc1: `${source}.mlp.linear_fc1`, fc2: `${source}.mlp.linear_fc2` }, {
      inputSize: D,
      intermediateSize: config.intermediateSize,
      outputSize: D,
      approximate: config.activation,
    });
    hidden = g.node('Add', [afterAttention, mlp], {}, { name: `${name}/mlp/residual/Add` })[0];

    const level = config.deepstackIndexes.indexOf(block);
    if (level >= 0) {
      const merger = `/model/visual/deepstack_merger.${level}`;
      const feature = await makeMerger(ctx, merger, `${SOURCE}.merger_list.${level}`, hidden, config, true);
      deepstack[level] = g.node('Unsqueeze', [feature, g.constant(int64Tensor([0]))], {}, { name: `${merger}/Unsqueeze` })[0];
    }
  }

  await makeMerger(ctx, '/model/visual/merger', `${SOURCE}.merger`, hidden, config, false, 'image_features');
  g.output('image_features', DataType.FLOAT, [VISION_TOKENS, config.outputSize]);
  if (deepstack.length > 0) {
    g.node('Concat', deepstack, { axis: 0 }, { name: '/model/visual/deepstack/Concat', outputs: ['deepstack_features'] });
    g.output('deepstack_features', DataType.FLOAT, [deepstack.length, VISION_TOKENS, config.outputSize]);
  }
}
