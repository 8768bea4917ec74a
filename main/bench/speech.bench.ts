/**
 * Speech output on CPU: a synthetic checkpoint with the real talker-side structure — talker 20 MoE layers (top-6
 * renormalised routing plus the gated shared expert, GQA 8:1, head_dim 128, interleaved M-RoPE [24, 20, 20], the
 * 3072-code vocabulary), code predictor 5 layers with 15 heads and 16 code groups, Code2Wav 8 sliding-window layers
 * and the four decoder blocks (1920 samples per frame) — at a quarter of the real widths so that two cores build and
 * run it in about a minute (SHAPE below: talker hidden 256 / 32 experts of 96 / shared 192, code predictor hidden
 * 256 / MLP 768, Code2Wav hidden 256 / MLP 768 / decoder 384), with the tiny checkpoint's thinker and encoders.
 *
 * Prints, for a greedy spoken turn (fp32 variant): codec frames generated before the first PCM chunk (target ≤ 2),
 * the real-time factor (turn wall time / speech duration) and the first-audio latency; and for the talker and
 * vocoder loop alone (the thinker done, so nothing else runs), greedy and drawing with transformers' defaults: the
 * wall time per frame spent outside `session.run` (target ≤ 1 ms), measured by wrapping every session's `run`.
 * Drawing costs more host time: 16 top-k/top-p draws per frame; the code predictor's 15 take top-k from the 64 logits
 * its graph ranks, the talker's reads its 3072. Each loop is timed over ROUNDS rounds after a warm-up one, and the
 * median is the figure (the range beside it): one round of a loaded two-core machine can be off by half.
 * Then the vocoder alone streaming VOCODER_FRAMES frames (past its 578-frame receptive field) both ways in the same
 * run: through the split graphs (each frame through the transformer once, 10 frames of context per window) and, as
 * bundles of builder 1 without them do, re-decoding each window with its whole receptive field through the one-pass
 * graph (a second bundle in that layout, builder/testing/olderBundles.ts): time per frame and real-time factor.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildBundle } from '../engine/builder/build';
import { readSafetensorsHeader, readTensorBytes } from '../engine/builder/safetensors';
import { buildBuilder1Bundle } from '../engine/builder/testing/olderBundles';
import { writeSafetensors, type RawTensor } from '../engine/builder/testing/writeSafetensors';
import { Code2Wav, SPEECH_SAMPLE_RATE, type CodecFrame } from '../engine/omni/code2wav';
import { Code2WavStream } from '../engine/omni/code2wavStream';
import { OmniRuntime } from '../engine/omni/omniRuntime';
import { Speech, type SpokenTurnEvent } from '../engine/omni/speechTurn';
import { completeTalkerPrompt, prepareTalkerPrompt } from '../engine/omni/talkerPrompt';
import { TrailingText } from '../engine/omni/trailingText';
import { loadBundle } from '../engine/runtime/bundle';
import { TINY_CHECKPOINT_DIR } from '../engine/testing/fixtures';
import { wrappingSessionFactory } from '../engine/testing/wrapSessions';
import type { Bench, BenchResult } from './harness';

const SHAPE = {
  talker: { hidden: 256, layers: 20, heads: 8, kvHeads: 1, headDim: 128, experts: 32, topK: 6, expertWidth: 96, sharedWidth: 192, projection: 512, vocab: 3072 },
  codePredictor: { hidden: 256, layers: 5, heads: 8, kvHeads: 4, headDim: 128, intermediate: 768, vocab: 2048, groups: 16 },
  code2wav: { hidden: 256, layers: 8, heads: 4, intermediate: 768, decoderDim: 384, quantizers: 16, codebook: 2048 },
};
/** Frames of the spoken turn (4 s of speech) and of the talker-loop measurement. */
const FRAMES = 50;
/** Frames the vocoder alone streams (40 s of speech): well past the one-pass path's 578 frames of left context. */
const VOCODER_FRAMES = 500;
/** Timed rounds of each talker loop. */
const ROUNDS = 3;
const PROMPT = 'Tell me a short story about a robot who learns to paint.';

/** The tiny checkpoint's config.json with the speech side at the benchmark's shape. */
function syntheticConfig(): Record<string, unknown> {
  const config = JSON.parse(readFileSync(path.join(TINY_CHECKPOINT_DIR, 'config.json'), 'utf8'));
  const { talker: t, codePredictor: cp, code2wav: c } = SHAPE;
  const talker = config.talker_config;
  delete talker.text_config.num_local_experts;
  Object.assign(talker.text_config, {
    hidden_size: t.hidden,
    num_hidden_layers: t.layers,
    num_attention_heads: t.heads,
    num_key_value_heads: t.kvHeads,
    head_dim: t.headDim,
    num_experts: t.experts,
    num_experts_per_tok: t.topK,
    moe_intermediate_size: t.expertWidth,
    shared_expert_intermediate_size: t.sharedWidth,
    intermediate_size: t.projection,
    vocab_size: t.vocab,
  });
  talker.text_config.rope_parameters.mrope_section = [24, 20, 20];
  Object.assign(talker.code_predictor_config, {
    hidden_size: cp.hidden,
    num_hidden_layers: cp.layers,
    num_attention_heads: cp.heads,
    num_key_value_heads: cp.kvHeads,
    head_dim: cp.headDim,
    intermediate_size: cp.intermediate,
    layer_types: Array(cp.layers).fill('full_attention'),
  });
  Object.assign(config.code2wav_config, {
    hidden_size: c.hidden,
    num_hidden_layers: c.layers,
    num_attention_heads: c.heads,
    num_key_value_heads: c.heads,
    intermediate_size: c.intermediate,
    decoder_dim: c.decoderDim,
  });
  return config;
}

/** The talker, code predictor and Code2Wav tensors of SHAPE (checkpoint names, Appendix A). */
function* speechTensors(thinkerHidden: number): Generator<{ name: string; shape: number[]; ones?: boolean }> {
  const { talker: t, codePredictor: cp, code2wav: c } = SHAPE;
  for (const which of ['text_projection', 'hidden_projection']) {
    yield { name: `talker.${which}.linear_fc1.weight`, shape: [t.projection, thinkerHidden] };
    yield { name: `talker.${which}.linear_fc1.bias`, shape: [t.projection] };
    yield { name: `talker.${which}.linear_fc2.weight`, shape: [t.hidden, t.projection] };
    yield { name: `talker.${which}.linear_fc2.bias`, shape: [t.hidden] };
  }
  const attention = function* (p: string, H: number, heads: number, kvHeads: number, D: number) {
    yield { name: `${p}.input_layernorm.weight`, shape: [H], ones: true };
    yield { name: `${p}.post_attention_layernorm.weight`, shape: [H], ones: true };
    yield { name: `${p}.self_attn.q_proj.weight`, shape: [heads * D, H] };
    yield { name: `${p}.self_attn.k_proj.weight`, shape: [kvHeads * D, H] };
    yield { name: `${p}.self_attn.v_proj.weight`, shape: [kvHeads * D, H] };
    yield { name: `${p}.self_attn.o_proj.weight`, shape: [H, heads * D] };
    yield { name: `${p}.self_attn.q_norm.weight`, shape: [D], ones: true };
    yield { name: `${p}.self_attn.k_norm.weight`, shape: [D], ones: true };
  };
  const swiglu = function* (p: string, H: number, I: number) {
    yield { name: `${p}.gate_proj.weight`, shape: [I, H] };
    yield { name: `${p}.up_proj.weight`, shape: [I, H] };
    yield { name: `${p}.down_proj.weight`, shape: [H, I] };
  };
  yield { name: 'talker.model.codec_embedding.weight', shape: [t.vocab, t.hidden] };
  for (let l = 0; l < t.layers; l++) {
    const p = `talker.model.layers.${l}`;
    yield* attention(p, t.hidden, t.heads, t.kvHeads, t.headDim);
    yield { name: `${p}.mlp.gate.weight`, shape: [t.experts, t.hidden] };
    for (let e = 0; e < t.experts; e++) yield* swiglu(`${p}.mlp.experts.${e}`, t.hidden, t.expertWidth);
    yield* swiglu(`${p}.mlp.shared_expert`, t.hidden, t.sharedWidth);
    yield { name: `${p}.mlp.shared_expert_gate.weight`, shape: [1, t.hidden] };
  }
  yield { name: 'talker.model.norm.weight', shape: [t.hidden], ones: true };
  yield { name: 'talker.codec_head.weight', shape: [t.vocab, t.hidden] };

  const q = 'talker.code_predictor';
  for (let g = 0; g < cp.groups - 1; g++) {
    yield { name: `${q}.model.codec_embedding.${g}.weight`, shape: [cp.vocab, cp.hidden] };
    yield { name: `${q}.lm_head.${g}.weight`, shape: [cp.vocab, cp.hidden] };
  }
  for (let l = 0; l < cp.layers; l++) {
    yield* attention(`${q}.model.layers.${l}`, cp.hidden, cp.heads, cp.kvHeads, cp.headDim);
    yield* swiglu(`${q}.model.layers.${l}.mlp`, cp.hidden, cp.intermediate);
  }
  yield { name: `${q}.model.norm.weight`, shape: [cp.hidden], ones: true };

  const H = c.hidden;
  yield { name: 'code2wav.code_embedding.weight', shape: [c.quantizers * c.codebook, H] };
  for (let l = 0; l < c.layers; l++) {
    const p = `code2wav.pre_transformer.layers.${l}`;
    yield { name: `${p}.input_layernorm.weight`, shape: [H], ones: true };
    yield { name: `${p}.post_attention_layernorm.weight`, shape: [H], ones: true };
    for (const proj of ['q', 'k', 'v', 'o']) yield { name: `${p}.self_attn.${proj}_proj.weight`, shape: [H, H] };
    yield* swiglu(`${p}.mlp`, H, c.intermediate);
    yield { name: `${p}.self_attn_layer_scale.scale`, shape: [H] };
    yield { name: `${p}.mlp_layer_scale.scale`, shape: [H] };
  }
  yield { name: 'code2wav.pre_transformer.norm.weight', shape: [H], ones: true };
  for (const k of [0, 1]) {
    const p = `code2wav.upsample.${k}`;
    yield { name: `${p}.0.conv.weight`, shape: [H, H, 2] };
    yield { name: `${p}.0.conv.bias`, shape: [H] };
    yield { name: `${p}.1.dwconv.conv.weight`, shape: [H, 1, 7] };
    yield { name: `${p}.1.dwconv.conv.bias`, shape: [H] };
    yield { name: `${p}.1.norm.weight`, shape: [H], ones: true };
    yield { name: `${p}.1.norm.bias`, shape: [H] };
    yield { name: `${p}.1.pwconv1.weight`, shape: [4 * H, H] };
    yield { name: `${p}.1.pwconv1.bias`, shape: [4 * H] };
    yield { name: `${p}.1.pwconv2.weight`, shape: [H, 4 * H] };
    yield { name: `${p}.1.pwconv2.bias`, shape: [H] };
    yield { name: `${p}.1.gamma`, shape: [H] };
  }
  yield { name: 'code2wav.decoder.0.conv.weight', shape: [c.decoderDim, H, 7] };
  yield { name: 'code2wav.decoder.0.conv.bias', shape: [c.decoderDim] };
  let channels = c.decoderDim;
  for (const [k, rate] of [8, 5, 4, 3].entries()) {
    const p = `code2wav.decoder.${k + 1}.block`;
    const out = channels / 2;
    yield { name: `${p}.0.alpha`, shape: [channels] };
    yield { name: `${p}.0.beta`, shape: [channels] };
    yield { name: `${p}.1.conv.weight`, shape: [channels, out, 2 * rate] };
    yield { name: `${p}.1.conv.bias`, shape: [out] };
    for (const unit of [2, 3, 4]) {
      for (const act of ['act1', 'act2']) for (const param of ['alpha', 'beta']) yield { name: `${p}.${unit}.${act}.${param}`, shape: [out] };
      yield { name: `${p}.${unit}.conv1.conv.weight`, shape: [out, out, 7] };
      yield { name: `${p}.${unit}.conv1.conv.bias`, shape: [out] };
      yield { name: `${p}.${unit}.conv2.conv.weight`, shape: [out, out, 1] };
      yield { name: `${p}.${unit}.conv2.conv.bias`, shape: [out] };
    }
    channels = out;
  }
  yield { name: 'code2wav.decoder.5.alpha', shape: [channels] };
  yield { name: 'code2wav.decoder.5.beta', shape: [channels] };
  yield { name: 'code2wav.decoder.6.conv.weight', shape: [1, channels, 7] };
  yield { name: 'code2wav.decoder.6.conv.bias', shape: [1] };
}

/** fp32 values in ±0.05 (an init-like scale) from a xorshift stream, or ones for norms. */
function weights(count: number, ones: boolean, state: { s: number }): Uint8Array {
  const out = new Float32Array(count);
  if (ones) return new Uint8Array(out.fill(1).buffer);
  let s = state.s;
  for (let i = 0; i < count; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = ((s >>> 0) / 2 ** 32 - 0.5) * 0.1;
  }
  state.s = s;
  return new Uint8Array(out.buffer);
}

/** The synthetic snapshot: the tiny checkpoint's thinker and encoders, the speech side of SHAPE. */
async function writeCheckpoint(dir: string): Promise<number> {
  const config = syntheticConfig();
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config, null, 2));
  for (const file of ['tokenizer_config.json', 'vocab.json', 'merges.txt', 'preprocessor_config.json', 'generation_config.json']) {
    copyFileSync(path.join(TINY_CHECKPOINT_DIR, file), path.join(dir, file));
  }
  const tensors: Record<string, RawTensor> = {};
  for (const info of await readSafetensorsHeader(path.join(TINY_CHECKPOINT_DIR, 'model.safetensors'))) {
    if (info.name.startsWith('thinker.')) tensors[info.name] = { dtype: info.dtype, shape: info.shape, bytes: await readTensorBytes(info) };
  }
  const state = { s: 0x9e3779b9 };
  let bytes = 0;
  const thinkerHidden = (config.talker_config as { thinker_hidden_size: number }).thinker_hidden_size;
  for (const { name, shape, ones = false } of speechTensors(thinkerHidden)) {
    const data = weights(shape.reduce((a, b) => a * b, 1), ones, state);
    tensors[name] = { dtype: 'F32', shape, bytes: data };
    bytes += data.byteLength;
  }
  writeSafetensors(path.join(dir, 'model.safetensors'), tensors);
  return bytes;
}

const bench: Bench = {
  name: 'speech',
  async run() {
    const scratch = mkdtempSync(path.join(os.tmpdir(), 'omnidesk-speech-bench-'));
    try {
      const checkpoint = path.join(scratch, 'checkpoint');
      const bundleDir = path.join(scratch, 'bundle');
      mkdirSync(checkpoint);
      process.stderr.write('  writing the synthetic checkpoint …\n');
      const speechBytes = await writeCheckpoint(checkpoint);
      process.stderr.write(`  ${(speechBytes / 1e6).toFixed(0)} MB of fp32 speech weights; building the fp32 bundle …\n`);
      const buildStart = performance.now();
      await buildBundle(checkpoint, bundleDir, { variant: 'fp32', selfCheck: false });
      const buildSeconds = (performance.now() - buildStart) / 1000;
      const onePassDir = path.join(scratch, 'bundle-builder1');
      process.stderr.write('  building it again as builder 1 did, with the one-pass Code2Wav only …\n');
      await buildBuilder1Bundle(checkpoint, onePassDir, 'one-pass');
      rmSync(checkpoint, { recursive: true, force: true });

      // Every session.run is timed: their sum, against the wall time of a loop, is the loop's host work.
      const runClock = { ms: 0, runs: 0 };
      const sessionFactory = wrappingSessionFactory(async (_graph, run) => {
        const start = performance.now();
        try {
          return await run();
        } finally {
          runClock.ms += performance.now() - start;
          runClock.runs++;
        }
      });
      const omni = await OmniRuntime.open(bundleDir, { stateDir: scratch, providers: [{ name: 'cpu', available: true, reason: 'benchmark on CPU' }], verify: 'size', sessionFactory });
      const results: BenchResult[] = [];
      try {
        const speech = await Speech.open(omni);
        const messages = [{ role: 'user' as const, content: PROMPT }];

        // A spoken turn, greedy, as the app runs it: thinker, talker and vocoder together. The first is a warm-up.
        let last: Extract<SpokenTurnEvent, { type: 'speech-done' }> | undefined;
        let turnMs = 0;
        for (let round = 0; round < 2; round++) {
          const start = performance.now();
          for await (const event of speech.turn(omni.conversation(), { messages, sampling: { doSample: false }, maxNewTokens: FRAMES + 2, speech: { doSample: false, maxFrames: FRAMES } })) {
            if (event.type === 'speech-done') last = event;
          }
          turnMs = performance.now() - start;
        }
        const done = last!;
        const audioSeconds = done.samplesDelivered / SPEECH_SAMPLE_RATE;
        const frames = done.codes.length;

        // The talker and vocoder loop alone, the whole reply already known: greedy, and drawing as the app does by
        // default. The first round of each warms the JIT up.
        const prompt = await omni.processor.process({ messages });
        const tokens = Array.from({ length: FRAMES + 2 }, (_, k) => 1000 + k * 37);
        const { settings } = speech.talker;
        const prepared = await prepareTalkerPrompt({ inputIds: prompt.inputIds, media: prompt, acceptHidden: new Map(), speakerId: speech.talker.speakerId() }, settings.prompt, settings.rope3d, speech.talker);
        const talkerPrompt = await completeTalkerPrompt(prepared, tokens[0], speech.talker);
        const talkerLoop = async (doSample: boolean) => {
          const text = new TrailingText((ids) => speech.talker.projectText(ids), settings.trailing);
          tokens.slice(1).forEach((id) => text.push(id));
          text.end();
          const vocoder = new Code2WavStream(speech.code2wav);
          const runBefore = runClock.ms;
          const runsBefore = runClock.runs;
          const start = performance.now();
          let loopFrames = 0;
          for await (const event of speech.talker.generate(talkerPrompt, text, { doSample, seed: 1, maxFrames: FRAMES })) {
            if (event.type === 'done') await vocoder.finish();
            else {
              loopFrames++;
              await vocoder.push(event.codes);
            }
          }
          const wall = performance.now() - start;
          return { outsideMs: (wall - (runClock.ms - runBefore)) / loopFrames, runsPerFrame: (runClock.runs - runsBefore) / loopFrames, wallMs: wall / loopFrames };
        };
        const loops: Record<'greedy' | 'sampling', { median: Awaited<ReturnType<typeof talkerLoop>>; range: [number, number] }> = {} as never;
        for (const mode of ['greedy', 'sampling'] as const) {
          await talkerLoop(mode === 'sampling');
          const rounds = [];
          for (let round = 0; round < ROUNDS; round++) rounds.push(await talkerLoop(mode === 'sampling'));
          rounds.sort((a, b) => a.outsideMs - b.outsideMs);
          loops[mode] = { median: rounds[Math.floor(ROUNDS / 2)], range: [rounds[0].outsideMs, rounds[ROUNDS - 1].outsideMs] };
        }

        // The vocoder alone, the same codes through both paths; the codes' values do not change its cost.
        const vocoderCodes: CodecFrame[] = Array.from({ length: VOCODER_FRAMES }, (_, t) => Array.from({ length: SHAPE.code2wav.quantizers }, (_, q) => (t * 131 + q * 17) % SHAPE.code2wav.codebook));
        const vocoderPaths = [];
        const onePassBundle = await loadBundle(onePassDir, { verify: 'size' });
        for (const onePass of [false, true]) {
          const code2wav = await Code2Wav.open(onePass ? onePassBundle : omni.bundle, omni.sessions);
          const stream = new Code2WavStream(code2wav);
          const start = performance.now();
          for (const frame of vocoderCodes) await stream.push(frame);
          await stream.finish();
          const msPerFrame = (performance.now() - start) / VOCODER_FRAMES;
          const frameSeconds = code2wav.settings.samplesPerFrame / SPEECH_SAMPLE_RATE;
          vocoderPaths.push({
            name: `speech: vocoder time per frame, ${onePass ? 're-decoding windows (one-pass graph, builder 1 bundles)' : 'incremental (split graphs)'}`,
            value: msPerFrame,
            unit: 'ms',
            note: `real-time factor ${(msPerFrame / 1000 / frameSeconds).toFixed(3)}; ${VOCODER_FRAMES} frames in ${stream.chunks} windows decoding ${stream.decodedFrames} frames (${code2wav.settings[onePass ? 'exactLeftContext' : 'decoderLeftContext']} of context each)`,
          });
        }

        const shape = `talker ${SHAPE.talker.hidden}×${SHAPE.talker.layers}L/${SHAPE.talker.experts}e, CP ${SHAPE.codePredictor.hidden}×${SHAPE.codePredictor.layers}L, Code2Wav ${SHAPE.code2wav.hidden}×${SHAPE.code2wav.layers}L/${SHAPE.code2wav.decoderDim}`;
        results.push(
          {
            name: 'speech: codec frames before the first PCM chunk',
            value: done.timings.framesBeforeFirstAudio,
            unit: 'frames',
            note: `target ≤ 2 — ${done.timings.framesBeforeFirstAudio <= 2 ? 'met' : 'NOT met'}; first audio ${done.timings.firstAudioMs.toFixed(0)} ms after the turn started`,
          },
          ...(['greedy', 'sampling'] as const).map((mode) => {
            const { median, range } = loops[mode];
            return {
              name: `speech: per-frame time outside session.run, ${mode}`,
              value: median.outsideMs,
              unit: 'ms',
              note:
                `target ≤ 1 ms — ${median.outsideMs <= 1 ? 'met' : 'NOT met'}; median of ${ROUNDS} rounds (${range.map((ms) => ms.toFixed(2)).join('–')} ms); ` +
                `talker + code predictor + vocoder loop, ${median.runsPerFrame.toFixed(1)} runs/frame, ${median.wallMs.toFixed(1)} ms/frame wall`,
            };
          }),
          {
            name: `speech: real-time factor (cpu, fp32, ${frames} frames)`,
            value: turnMs / 1000 / audioSeconds,
            unit: '×',
            note: `${(turnMs / 1000).toFixed(2)} s for ${audioSeconds.toFixed(2)} s of speech; vocoder decoded ${done.timings.vocoder.decodedFrames} frames in ${done.timings.vocoder.chunks} windows; ${shape}; built in ${buildSeconds.toFixed(1)} s`,
          },
          ...vocoderPaths,
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
