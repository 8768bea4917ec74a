/**
 * The Thinker on CPU at scale: a synthetic checkpoint (> 2 GB of bf16 random weights) with the real thinker layer
 * structure — 48 MoE layers of 128 experts, top-8 renormalised routing, q/k RMSNorm, GQA 8:1 with head_dim 128,
 * interleaved M-RoPE [24, 20, 20], the 152064-token vocabulary — at reduced width (hidden 384, experts 128 wide,
 * 8 query heads), plus the tiny checkpoint's encoders; the tokenizer and processor files are the tiny checkpoint's.
 *
 * Prints: builder throughput and peak RSS (int4 variant, in a child process so only the builder's memory counts),
 * prefill and decode tokens/s through the runtime on CPU, and the share of decode wall time spent outside
 * `session.run` (target ≤ 5 %), measured around a whole conversation turn so detokenisation and event delivery
 * count as outside time. Temporary files are removed at the end.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSafetensorsHeader } from '../engine/builder/safetensors';
import { writeSafetensors, type RawTensor } from '../engine/builder/testing/writeSafetensors';
import { OmniRuntime } from '../engine/omni/omniRuntime';
import { TokenSampler } from '../engine/runtime/sampling/sampler';
import { TRANSFORMERS_SAMPLING_DEFAULTS } from '../engine/runtime/sampling/generationConfig';
import { TINY_CHECKPOINT_DIR } from '../engine/testing/fixtures';
import type { Bench, BenchResult } from './harness';

const SHAPE = { hidden: 384, layers: 48, heads: 8, kvHeads: 1, headDim: 128, experts: 128, topK: 8, expertWidth: 128, vocab: 152064 };
const PREFILL_TOKENS = 128;
const DECODE_TOKENS = 64;
/** Shards of at most this many bytes, as a Hub snapshot is split. */
const SHARD_BYTES = 512 * 2 ** 20;

const here = path.dirname(fileURLToPath(import.meta.url));
const MB = 1e6;

/** The tiny checkpoint's config.json with the thinker at the benchmark's width and no talker (a thinker-only model). */
function syntheticConfig(): Record<string, unknown> {
  const config = JSON.parse(readFileSync(path.join(TINY_CHECKPOINT_DIR, 'config.json'), 'utf8'));
  const thinker = config.thinker_config;
  Object.assign(thinker.text_config, {
    hidden_size: SHAPE.hidden,
    num_hidden_layers: SHAPE.layers,
    num_attention_heads: SHAPE.heads,
    num_key_value_heads: SHAPE.kvHeads,
    head_dim: SHAPE.headDim,
    num_experts: SHAPE.experts,
    num_experts_per_tok: SHAPE.topK,
    moe_intermediate_size: SHAPE.expertWidth,
    intermediate_size: 3 * SHAPE.expertWidth,
    vocab_size: SHAPE.vocab,
  });
  thinker.text_config.rope_parameters.mrope_section = [24, 20, 20];
  thinker.audio_config.output_dim = SHAPE.hidden;
  thinker.vision_config.out_hidden_size = SHAPE.hidden;
  config.enable_audio_output = false;
  delete config.talker_config;
  delete config.code2wav_config;
  return config;
}

/** Every tensor of the synthetic checkpoint, in checkpoint order (the decoder per layer and per expert, as on disk). */
async function* tensorShapes(): AsyncGenerator<{ name: string; shape: number[] }> {
  const { hidden: H, layers, heads, kvHeads, headDim: D, experts, expertWidth: I, vocab: V } = SHAPE;
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
  for (const t of await readSafetensorsHeader(path.join(TINY_CHECKPOINT_DIR, 'model.safetensors'))) {
    if (!t.name.startsWith('thinker.audio_tower.') && !t.name.startsWith('thinker.visual.')) continue;
    yield { name: t.name, shape: outputProjection.test(t.name) ? [H, ...t.shape.slice(1)] : t.shape };
  }
}

/** bf16 bits of small random weights (±0.05, an init-like scale): a table indexed by a xorshift stream. */
function randomBf16(count: number, state: { s: number }): Uint8Array {
  const table = randomBf16.table;
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
randomBf16.table = Uint16Array.from({ length: 4096 }, (_, i) => {
  const value = ((i * 2654435761) % 4096) / 4096 - 0.5;
  return new Uint32Array(Float32Array.of(value * 0.1).buffer)[0] >>> 16;
});

/** The decoder's RMSNorm weights are ones (bf16 0x3F80), as a freshly initialised model has them. */
const ONES_BF16 = (count: number) => new Uint8Array(new Uint16Array(count).fill(0x3f80).buffer);

/** Writes the synthetic snapshot into `dir` and returns its safetensors bytes. */
async function writeCheckpoint(dir: string): Promise<number> {
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify(syntheticConfig(), null, 2));
  for (const file of ['tokenizer_config.json', 'vocab.json', 'merges.txt', 'preprocessor_config.json', 'generation_config.json']) {
    copyFileSync(path.join(TINY_CHECKPOINT_DIR, file), path.join(dir, file));
  }
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
  for await (const { name, shape } of tensorShapes()) {
    const count = shape.reduce((a, b) => a * b, 1);
    const bytes = /^thinker\.model\..*norm\.weight$/.test(name) ? ONES_BF16(count) : randomBf16(count, state);
    if (shardBytes + bytes.byteLength > SHARD_BYTES && shardBytes > 0) flush();
    shard[name] = { dtype: 'BF16', shape, bytes };
    shardBytes += bytes.byteLength;
    total += bytes.byteLength;
  }
  flush();
  return total;
}

/** Runs buildChild.ts in its own process: { seconds, bytes, peakRssBytes }. */
function buildInChild(checkpoint: string, bundle: string): Promise<{ seconds: number; bytes: number; peakRssBytes: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'buildChild.ts'), checkpoint, bundle, 'int4'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`the build child exited with ${code}`))));
  });
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const bench: Bench = {
  name: 'thinker',
  async run() {
    const scratch = mkdtempSync(path.join(os.tmpdir(), 'omnidesk-thinker-bench-'));
    try {
      const checkpoint = path.join(scratch, 'checkpoint');
      const bundleDir = path.join(scratch, 'bundle');
      mkdirSync(checkpoint);
      process.stderr.write('  writing the synthetic checkpoint …\n');
      const checkpointBytes = await writeCheckpoint(checkpoint);
      process.stderr.write(`  ${(checkpointBytes / 1e9).toFixed(2)} GB of bf16 weights; building the int4 bundle …\n`);
      const build = await buildInChild(checkpoint, bundleDir);
      rmSync(checkpoint, { recursive: true, force: true });
      const bundleBytes = JSON.parse(readFileSync(path.join(bundleDir, 'manifest.json'), 'utf8')).files.reduce((n: number, f: { path: string }) => n + statSync(path.join(bundleDir, f.path)).size, 0);

      const omni = await OmniRuntime.open(bundleDir, { stateDir: scratch, providers: [{ name: 'cpu', available: true, reason: 'benchmark on CPU' }], verify: 'size' });
      const results: BenchResult[] = [];
      try {
        // Prefill: a fresh cache each time, PREFILL_TOKENS text positions, one token chosen.
        const ids = BigInt64Array.from({ length: PREFILL_TOKENS }, (_, i) => BigInt(1000 + ((i * 7919) % 100000)));
        const positions = Float64Array.from({ length: 3 * PREFILL_TOKENS }, (_, i) => i % PREFILL_TOKENS);
        const prefillMs: number[] = [];
        for (let round = 0; round < 4; round++) {
          for await (const event of omni.thinker.generate(
            { inputIds: ids, positionIds: positions, ropeDelta: 0 },
            { cache: omni.thinker.createCache(), sampler: new TokenSampler(TRANSFORMERS_SAMPLING_DEFAULTS), maxNewTokens: 1 },
          )) {
            if (event.type === 'done' && round > 0) prefillMs.push(event.result.timings.prefillMs);
          }
        }

        // Decode: one greedy turn through the conversation API, timed from the first text delta to the done event.
        let firstAt = 0;
        let doneAt = 0;
        let decodeRunMs = 0;
        let decodeTokens = 0;
        for await (const event of omni.conversation().send({
          messages: [{ role: 'user', content: 'Tell me a short story about a robot who learns to paint.' }],
          sampling: { doSample: false },
          maxNewTokens: DECODE_TOKENS + 1,
        })) {
          if (event.type === 'text-delta') firstAt ||= performance.now();
          else if (event.type === 'done') {
            doneAt = performance.now();
            decodeRunMs = event.timings.decodeRunMs;
            decodeTokens = event.timings.decodeTokens;
          }
        }
        const decodeWall = doneAt - firstAt;
        const outside = (decodeWall - decodeRunMs) / decodeWall;
        const threads = 'onnxruntime default intra-op threads';
        results.push(
          {
            name: 'thinker build: synthetic checkpoint → int4',
            value: build.bytes / MB / build.seconds,
            unit: 'MB/s',
            note: `${(build.bytes / 1e9).toFixed(2)} GB (${(build.bytes / 2 ** 30).toFixed(2)} GiB) bf16 in ${build.seconds.toFixed(1)} s → ${(bundleBytes / 1e9).toFixed(2)} GB bundle`,
          },
          { name: 'thinker build: peak RSS (child process)', value: build.peakRssBytes / 2 ** 20, unit: 'MiB', note: 'conversion only, no self-check' },
          { name: `thinker prefill ${PREFILL_TOKENS} tokens (cpu, int4)`, value: (PREFILL_TOKENS * 1000) / median(prefillMs), unit: 'tok/s', note: `median of 3, ${threads}` },
          { name: `thinker decode ${decodeTokens} tokens (cpu, int4)`, value: (decodeTokens * 1000) / decodeWall, unit: 'tok/s', note: `${(decodeWall / decodeTokens).toFixed(1)} ms/token` },
          {
            name: 'thinker decode: wall time outside session.run',
            value: outside * 100,
            unit: '%',
            note: `target ≤ 5 % — ${outside <= 0.05 ? 'met' : 'NOT met'} (${((decodeWall - decodeRunMs) / decodeTokens).toFixed(2)} ms/token of host work)`,
          },
        );
      } finally {
        await omni.release();
      }
      return results;
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  },
};

export default bench;
