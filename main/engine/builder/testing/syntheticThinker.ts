/**
 * A synthetic Qwen3-Omni snapshot with the real thinker layer structure — MoE layers with top-k renormalised
 * routing, q/k RMSNorm, GQA, interleaved M-RoPE — at a width the caller picks, plus the tiny checkpoint's encoders
 * (their output projections widened to the thinker) and its tokenizer and processor files. No talker: a
 * thinker-only model. Weights are bf16, drawn as a freshly initialised HF model has them (normal with the
 * config's `initializer_range`, RMSNorm weights one), from a fixed seed: the same shape gives the same bytes.
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readSafetensorsHeader } from '../safetensors';
import { TINY_CHECKPOINT_DIR } from '../../testing/fixtures';
import { writeSafetensors, type RawTensor } from './writeSafetensors';

export interface SyntheticThinkerShape {
  hidden: number;
  layers: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  /** Sums to headDim / 2. */
  mropeSection: [number, number, number];
  experts: number;
  topK: number;
  expertWidth: number;
  vocab: number;
}

/**
 * Qwen3-Omni's own thinker widths (qwen3-omni.md §1.2) with a single decoder layer: the largest single tensors the
 * real build meets — the [vocab, hidden] embedding table and head, 311 M values each, and a layer's 128-expert stack,
 * 604 M values — in 2.5 GB of bf16.
 */
export const REAL_WIDTH_THINKER: SyntheticThinkerShape = {
  hidden: 2048,
  layers: 1,
  heads: 32,
  kvHeads: 4,
  headDim: 128,
  mropeSection: [24, 20, 20],
  experts: 128,
  topK: 8,
  expertWidth: 768,
  vocab: 152064,
};

/** Shards of at most this many bytes, as a Hub snapshot is split. */
const SHARD_BYTES = 512 * 2 ** 20;

/** The tiny checkpoint's config.json with the thinker at `shape` and no talker. */
function syntheticConfig(shape: SyntheticThinkerShape): Record<string, unknown> {
  const config = JSON.parse(readFileSync(path.join(TINY_CHECKPOINT_DIR, 'config.json'), 'utf8'));
  const thinker = config.thinker_config;
  Object.assign(thinker.text_config, {
    hidden_size: shape.hidden,
    num_hidden_layers: shape.layers,
    num_attention_heads: shape.heads,
    num_key_value_heads: shape.kvHeads,
    head_dim: shape.headDim,
    num_experts: shape.experts,
    num_experts_per_tok: shape.topK,
    moe_intermediate_size: shape.expertWidth,
    intermediate_size: 3 * shape.expertWidth,
    vocab_size: shape.vocab,
  });
  thinker.text_config.rope_parameters.mrope_section = shape.mropeSection;
  thinker.audio_config.output_dim = shape.hidden;
  thinker.vision_config.out_hidden_size = shape.hidden;
  // A deepstack feature needs a decoder layer to receive it.
  thinker.vision_config.deepstack_visual_indexes = thinker.vision_config.deepstack_visual_indexes.slice(0, shape.layers);
  config.enable_audio_output = false;
  delete config.talker_config;
  delete config.code2wav_config;
  return config;
}

/** Every tensor of the synthetic checkpoint, in checkpoint order (the decoder per layer and per expert, as on disk). */
async function* tensorShapes(shape: SyntheticThinkerShape): AsyncGenerator<{ name: string; shape: number[] }> {
  const { hidden: H, layers, heads, kvHeads, headDim: D, experts, expertWidth: I, vocab: V } = shape;
  yield { name: 'thinker.model.embed_tokens.weight', shape: [V, H] };
  for (let l = 0; l < layers; l++) {
    const p = `thinker.model.layers.${l}`;
    yield { name: `${p}.input_layernorm.weight`, shape: [H] };
    yield { name: `${p}.post_attention_layernorm.weight`, shape: [H] };
    yield { name: `${p}.self_attn.q_proj.weight`, shape: [heads * D, H] };
    yield { name: `${p}.self_attn.k_proj.weight`, shape: [kvHeads * D, H] };
    yield { name: `${p}.self_attn.v_proj.weight`, shape: [kvHeads * D, H] };
    yield { name: `${p}.self_attn.o_proj.weight`, shape: [H, heads * D] };
    yield { name: `${p}.self_attn.q_norm.weight`, shape: [D] };
    yield { name: `${p}.self_attn.k_norm.weight`, shape: [D] };
    yield { name: `${p}.mlp.gate.weight`, shape: [experts, H] };
    for (let e = 0; e < experts; e++) {
      yield { name: `${p}.mlp.experts.${e}.gate_proj.weight`, shape: [I, H] };
      yield { name: `${p}.mlp.experts.${e}.up_proj.weight`, shape: [I, H] };
      yield { name: `${p}.mlp.experts.${e}.down_proj.weight`, shape: [H, I] };
    }
  }
  yield { name: 'thinker.model.norm.weight', shape: [H] };
  yield { name: 'thinker.lm_head.weight', shape: [V, H] };
  // The encoders as the tiny checkpoint has them, their output projections widened to the thinker's hidden size.
  const outputProjection = /^thinker\.(audio_tower\.proj2|visual\.merger(_list\.\d+)?\.mlp\.2)\.(weight|bias)$/;
  const deepstackMerger = /^thinker\.visual\.merger_list\.(\d+)\./;
  for (const t of await readSafetensorsHeader(path.join(TINY_CHECKPOINT_DIR, 'model.safetensors'))) {
    if (!t.name.startsWith('thinker.audio_tower.') && !t.name.startsWith('thinker.visual.')) continue;
    if (Number(deepstackMerger.exec(t.name)?.[1] ?? -1) >= layers) continue;
    yield { name: t.name, shape: outputProjection.test(t.name) ? [H, ...t.shape.slice(1)] : t.shape };
  }
}

/**
 * bf16 bits of normal(0, std) weights: 4096 equally likely normal quantiles (tails to ±3.4σ), indexed by a xorshift
 * stream — a table keeps writing gigabytes fast.
 */
function normalBf16(count: number, table: Uint16Array, state: { s: number }): Uint8Array {
  const out = new Uint16Array(count);
  let s = state.s;
  for (let i = 0; i < count; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = table[s & 4095];
  }
  state.s = s;
  return new Uint8Array(out.buffer);
}

function normalTable(std: number): Uint16Array {
  const bits = new Uint32Array(1);
  const value = new Float32Array(bits.buffer);
  return Uint16Array.from({ length: 4096 }, (_, i) => {
    value[0] = std * normalQuantile((i + 0.5) / 4096);
    // Round to nearest even bf16, as torch does.
    return (bits[0] + 0x7fff + ((bits[0] >>> 16) & 1)) >>> 16;
  });
}

/** Φ⁻¹(p), Acklam's rational approximation (relative error < 1.2e-9). */
function normalQuantile(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const tail = (q: number) => (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/** The decoder's RMSNorm weights are ones (bf16 0x3F80), as a freshly initialised model has them. */
const ONES_BF16 = (count: number) => new Uint8Array(new Uint16Array(count).fill(0x3f80).buffer);

/** Writes the synthetic snapshot into `dir` (which must exist) and returns its safetensors bytes. */
export async function writeSyntheticThinker(dir: string, shape: SyntheticThinkerShape): Promise<number> {
  const config = syntheticConfig(shape);
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config, null, 2));
  for (const file of ['tokenizer_config.json', 'vocab.json', 'merges.txt', 'preprocessor_config.json', 'generation_config.json']) {
    copyFileSync(path.join(TINY_CHECKPOINT_DIR, file), path.join(dir, file));
  }
  const table = normalTable((config.thinker_config as { text_config: { initializer_range: number } }).text_config.initializer_range);
  const state = { s: 0x9e3779b9 };
  let shard: Record<string, RawTensor> = {};
  let shardBytes = 0;
  let shards = 0;
  let total = 0;
  const flush = () => {
    writeSafetensors(path.join(dir, `model-${String(++shards).padStart(5, '0')}.safetensors`), shard);
    shard = {};
    shardBytes = 0;
  };
  for await (const { name, shape: dims } of tensorShapes(shape)) {
    const count = dims.reduce((a, b) => a * b, 1);
    const bytes = /^thinker\.model\..*norm\.weight$/.test(name) ? ONES_BF16(count) : normalBf16(count, table, state);
    if (shardBytes + bytes.byteLength > SHARD_BYTES && shardBytes > 0) flush();
    shard[name] = { dtype: 'BF16', shape: dims, bytes };
    shardBytes += bytes.byteLength;
    total += bytes.byteLength;
  }
  flush();
  return total;
}
