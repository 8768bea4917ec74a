/**
 * The AuT audio encoder (qwen3-omni.md §3.2, transformers' `Qwen3OmniMoeAudioEncoder`) as one graph, batched over
 * attention windows (the window-batched variant of onnx-bundle.md §2 / qwen3-omni.md §12):
 *
 *   input_features [num_chunks, mel_bins, chunk_frames]   every audio's valid mel frames cut into 2·n_window-frame
 *                                                         chunks, right-padded with 0 to the longest chunk
 *   window_index [num_windows, window_tokens] int64       per attention window, the row of each of its tokens in
 *                                                         the conv output grid [num_chunks · chunk_tokens], −1 pads
 *   → audio_features [audio_tokens, H]                    the valid tokens, audio after audio (HF's output rows)
 *
 * The host (omni/audioEncoderInputs.ts) does the chunking and window layout; the graph runs the stride-2 convs per
 * chunk, adds the sinusoid positions that restart in every chunk, gathers each window's tokens into one batch row
 * and attends within the row only, which is transformers' block-diagonal `cu_seqlens` attention without an
 * `[N, N]` mask. Rows padded to the longest window are hidden as keys and dropped at the end (Compress), so they
 * never touch a real token.
 */
import type { AudioEncoderConfig } from '../encoderConfig';
import { DataType, floatTensor, int64Tensor } from '../onnx/graph';
import { AUDIO_CHUNK_FRAMES, AUDIO_CHUNKS, AUDIO_TOKENS, AUDIO_WINDOW_TOKENS, AUDIO_WINDOWS } from './io';
import { makeBidirectionalAttention } from './layers/bidirectionalAttention';
import type { LayerContext } from './layers/context';
import { makeStridedConv } from './layers/stridedConv';
import { makeGelu } from './layers/gelu';
import { makeGeluMlp } from './layers/geluMlp';
import { makeLayerNorm } from './layers/layerNorm';
import { makeLinear } from './layers/linear';

const SOURCE = 'thinker.audio_tower';
/** `nn.LayerNorm`'s default; the AuT does not override it. */
const LAYER_NORM_EPS = 1e-5;
const CONV_LAYERS = 3;

/** Length after one Conv2d(k3, s2, p1): ⌈n / 2⌉. */
const halved = (n: number) => Math.floor((n - 1) / 2) + 1;
function afterConvs(n: number): number {
  for (let i = 0; i < CONV_LAYERS; i++) n = halved(n);
  return n;
}

/**
 * transformers' `SinusoidsPositionEmbedding` rows 0..length−1 in its float32 arithmetic: channels/2 timescales
 * `exp(−k·ln(10000)/(channels/2 − 1))`, row p = [sin(p·inv) …, cos(p·inv) …].
 */
export function sinusoidPositions(length: number, channels: number): Float32Array {
  const half = channels / 2;
  const increment = Math.fround(-Math.log(10000) / (half - 1));
  const table = new Float32Array(length * channels);
  for (let k = 0; k < half; k++) {
    const inverse = Math.fround(Math.exp(Math.fround(increment * k)));
    for (let p = 0; p < length; p++) {
      const angle = Math.fround(p * inverse);
      table[p * channels + k] = Math.sin(angle);
      table[p * channels + half + k] = Math.cos(angle);
    }
  }
  return table;
}

export async function makeAudioEncoder(ctx: LayerContext, config: AudioEncoderConfig): Promise<void> {
  const { g } = ctx;
  const { melBins, hiddenSize: D, convChannels, numHeads } = config;
  const features = g.input('input_features', DataType.FLOAT, [AUDIO_CHUNKS, melBins, AUDIO_CHUNK_FRAMES]);
  const windowIndex = g.input('window_index', DataType.INT64, [AUDIO_WINDOWS, AUDIO_WINDOW_TOKENS]);

  // Each chunk is a one-channel image [mel, time]: three Conv2d(k3, s2, p1) + GELU(erf) shrink both axes 8×.
  let x = g.node('Unsqueeze', [features, g.constant(int64Tensor([1]))], {}, { name: '/model/audio_tower/Unsqueeze' })[0];
  for (let i = 1; i <= CONV_LAYERS; i++) {
    const name = `/model/audio_tower/conv2d${i}`;
    const conv = await makeStridedConv(ctx, name, x, `${SOURCE}.conv2d${i}`, {
      outChannels: convChannels,
      inChannels: i === 1 ? 1 : convChannels,
      kernel: [3, 3],
      strides: [2, 2],
      padding: [1, 1],
    });
    x = makeGelu(ctx, name, conv, 'none');
  }
  // [C, channels, freq, time] → [C, time, channels·freq] (HF: permute(0, 3, 1, 2).view(b, t, c·f)) → conv_out.
  const convFeatures = convChannels * afterConvs(melBins);
  const [timeMajor] = g.node('Transpose', [x], { perm: [0, 3, 1, 2] }, { name: '/model/audio_tower/Transpose' });
  const [flattened] = g.node('Reshape', [timeMajor, g.constant(int64Tensor([0, 0, convFeatures]))], {}, { name: '/model/audio_tower/Reshape' });
  const embedded = await makeLinear(ctx, '/model/audio_tower/conv_out', flattened, `${SOURCE}.conv_out.weight`, D, convFeatures);

  // Positions restart at 0 in every chunk; a chunk has at most as many tokens as a full one.
  const chunkTokens = afterConvs(2 * config.nWindow);
  const table = await g.initializer('model.audio_tower.positional_embedding', floatTensor(sinusoidPositions(chunkTokens, D), [chunkTokens, D]));
  const [timeSteps] = g.node('Shape', [embedded], { start: 1, end: 2 }, { name: '/model/audio_tower/positional_embedding/Shape' });
  const [positions] = g.node('Slice', [table, g.constant(int64Tensor([0])), timeSteps, g.constant(int64Tensor([0]))], {}, { name: '/model/audio_tower/positional_embedding/Slice' });
  const [positioned] = g.node('Add', [embedded, positions], {}, { name: '/model/audio_tower/positional_embedding/Add' });

  // Gather each window's tokens from the grid; −1 slots read row 0 and are masked as keys.
  const [grid] = g.node('Reshape', [positioned, g.constant(int64Tensor([-1, D]))], {}, { name: '/model/audio_tower/windows/Reshape' });
  const [valid] = g.node('GreaterOrEqual', [windowIndex, g.constant(int64Tensor([0], []))], {}, { name: '/model/audio_tower/windows/GreaterOrEqual' });
  const [rows] = g.node('Max', [windowIndex, g.constant(int64Tensor([0], []))], {}, { name: '/model/audio_tower/windows/Max' });
  const [keyPaddingMask] = g.node('Cast', [valid], { to: DataType.INT32 }, { name: '/model/audio_tower/windows/Cast' });
  let hidden = g.node('Gather', [grid, rows], { axis: 0 }, { name: '/model/audio_tower/windows/Gather' })[0];

  for (let layer = 0; layer < config.numLayers; layer++) {
    const name = `/model/audio_tower/layers.${layer}`;
    const source = `${SOURCE}.layers.${layer}`;
    const normed = await makeLayerNorm(ctx, `${name}/self_attn_layer_norm`, hidden, `${source}.self_attn_layer_norm`, D, LAYER_NORM_EPS);
    const project = (which: 'q' | 'k' | 'v') =>
      makeLinear(ctx, `${name}/attn/${which}_proj`, normed, `${source}.self_attn.${which}_proj.weight`, D, D, { bias: `${source}.self_attn.${which}_proj.bias` });
    const qkv = { q: await project('q'), k: await project('k'), v: await project('v') };
    const attended = makeBidirectionalAttention(ctx, `${name}/attn`, qkv, numHeads, keyPaddingMask);
    const out = await makeLinear(ctx, `${name}/attn/out_proj`, attended, `${source}.self_attn.out_proj.weight`, D, D, { bias: `${source}.self_attn.out_proj.bias` });
    const [afterAttention] = g.node('Add', [hidden, out], {}, { name: `${name}/attn/residual/Add` });
    const normedMlp = await makeLayerNorm(ctx, `${name}/final_layer_norm`, afterAttention, `${source}.final_layer_norm`, D, LAYER_NORM_EPS);
    const mlp = await makeGeluMlp(ctx, `${name}/mlp`, normedMlp, { fc1: `${source}.fc1`, fc2: `${source}.fc2` }, {
      inputSize: D,
      intermediateSize: config.ffnSize,
      outputSize: D,
      approximate: config.activation,
    });
    hidden = g.node('Add', [afterAttention, mlp], {}, { name: `${name}/mlp/residual/Add` })[0];
  }

  // Back to the valid tokens in order (windows list them audio by audio), then ln_post → proj1 → GELU → proj2.
  const [flatHidden] = g.node('Reshape', [hidden, g.constant(int64Tensor([-1, D]))], {}, { name: '/model/audio_tower/tokens/Reshape' });
  const [flatValid] = g.node('Reshape', [valid, g.constant(int64Tensor([-1]))], {}, { name: '/model/audio_tower/tokens/Reshape_1' });
  const [tokens] = g.node('Compress', [flatHidden, flatValid], { axis: 0 }, { name: '/model/audio_tower/tokens/Compress' });
  const normed = await makeLayerNorm(ctx, '/model/audio_tower/ln_post', tokens, `${SOURCE}.ln_post`, D, LAYER_NORM_EPS);
  await makeGeluMlp(ctx, '/model/audio_tower/proj', normed, { fc1: `${SOURCE}.proj1`, fc2: `${SOURCE}.proj2` }, {
    inputSize: D,
    intermediateSize: D,
    outputSize: config.outputSize,
    approximate: config.activation,
  }, 'audio_features');
  g.output('audio_features', DataType.FLOAT, [AUDIO_TOKENS, config.outputSize]);
}
