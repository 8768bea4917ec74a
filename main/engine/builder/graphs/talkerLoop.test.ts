/**
 * The talker-side graphs composed as the talker loop will compose them (qwen3-omni.md §9.2–9.3, greedy per §9.5):
 * the prompt rebuilt from thinker states with talker_proj + codec_embed, and every frame's 16 codes from talker and
 * code predictor steps with their caches. The prompt and loop logic here is a minimal test-side rendition for the
 * golden cases (batch 1, greedy); the runtime's own talker loop is a later slice.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { goldenCaseNames, loadGoldenCase, TINY_CHECKPOINT_DIR, type GoldenCase } from '../../testing/fixtures';
import { assertClose, assertExact } from '../../testing/parity';
import { openCheckpoint } from '../safetensors';
import { repetitionPenalty, suppressTokens } from '../../runtime/sampling/logitsProcessors';
import { argmax } from '../../runtime/sampling/sampler';
import { openSpeechGraphs, type SpeechGraphs } from '../testing/speechGraphs';
import { WeightReader } from '../weights';

const IM_START = 151644;
const USER = 872;
const MEDIA_PADS = new Set([151675, 151655, 151656]);
const TTS = { pad: 151671, bos: 151672, eos: 151673 };

const json = JSON.parse(readFileSync(path.join(TINY_CHECKPOINT_DIR, 'config.json'), 'utf8'));
const talkerJson = json.talker_config;
const speaker: number = talkerJson.speaker_id.ethan;

const rows = (data: Float32Array, width: number, indexes: number[]) => Float32Array.from(indexes.flatMap((i) => Array.from(data.subarray(i * width, (i + 1) * width))));
const add = (a: Float32Array, b: Float32Array) => a.map((v, i) => v + b[i]);

/** HF greedy for group 0 (qwen3-omni.md §9.5): repetition penalty 1.05 over the generated c0, then −∞ on the top 1024 ids except EOS. */
const vocab: number = talkerJson.text_config.vocab_size;
const penalty = repetitionPenalty(1.05);
const suppress = suppressTokens(Array.from({ length: 1024 }, (_, k) => vocab - 1024 + k).filter((id) => id !== talkerJson.codec_eos_token_id));
function pickC0(logits: Float32Array, history: number[]): number {
  const scores = Float32Array.from(logits);
  penalty(scores, history);
  suppress(scores, history);
  return argmax(scores);
}

describe('talker_proj + codec_embed + talker + code_predictor (fp32) against transformers', () => {
  let graphs: SpeechGraphs;
  let embedTable: Float32Array;
  beforeAll(async () => {
    graphs = await openSpeechGraphs();
    const weights = new WeightReader(await openCheckpoint(TINY_CHECKPOINT_DIR));
    embedTable = await weights.f32('thinker.model.embed_tokens.weight');
  });
  afterAll(() => graphs.release());

  const projectWords = async (ids: number[]) => (await graphs.project(rows(embedTable, graphs.config.talker.thinkerHiddenSize, ids), new Float32Array(0))).text;

  /** §9.2: user segments (text_projection of words, hidden_projection of accept-layer states at media slots) + the nine assistant rows. */
  async function talkerPrompt(golden: GoldenCase): Promise<Float32Array> {
    const { thinkerHiddenSize: Ht, hiddenSize: H } = graphs.config.talker;
    const ids = Array.from(golden.array('input_ids', 'int64').data, Number);
    const starts = ids.flatMap((id, i) => (id === IM_START ? [i] : []));
    const assistant = starts[starts.length - 1];
    const user = starts.slice(0, -1).flatMap((s, k) => (ids[s + 1] === USER ? Array.from({ length: starts[k + 1] - s }, (_, i) => s + i) : []));
    const words = user.filter((p) => !MEDIA_PADS.has(ids[p]));
    const media = user.filter((p) => MEDIA_PADS.has(ids[p]));
    const projected = await graphs.project(rows(golden.array('thinker_inputs_embeds', 'float32').data, Ht, words), rows(golden.array('accept_hidden', 'float32').data, Ht, media));
    const userRows = user.map((p) =>
      MEDIA_PADS.has(ids[p]) ? projected.hidden.subarray(media.indexOf(p) * H, (media.indexOf(p) + 1) * H) : projected.text.subarray(words.indexOf(p) * H, (words.indexOf(p) + 1) * H),
    );
    const g0 = Number(golden.array('thinker_token_ids', 'int64').data[0]);
    const text = await projectWords([...ids.slice(assistant, assistant + 3), TTS.pad, TTS.bos, g0]);
    const row = (k: number) => text.subarray(k * H, (k + 1) * H);
    const controlIds = [talkerJson.codec_nothink_id, talkerJson.codec_think_bos_id, talkerJson.codec_think_eos_id, speaker, talkerJson.codec_pad_id, talkerJson.codec_bos_id];
    const codec = (await graphs.embedCodes(controlIds, 0, controlIds.length)).embeds;
    const control = (k: number) => codec.subarray(k * H, (k + 1) * H);
    const assistantRows = [row(0), row(1), row(2), ...[0, 1, 2, 3].map((k) => add(row(3), control(k))), add(row(4), control(4)), add(row(5), control(5))];
    return Float32Array.from([...userRows, ...assistantRows].flatMap((r) => Array.from(r)));
  }

  for (const name of goldenCaseNames()) {
    it(`${name}: the prompt rows, tts embeddings and trailing text rows the oracle fed the talker`, async () => {
      const golden = loadGoldenCase(name);
      assertClose('talker_prefill_embeds', golden.array('talker_prefill_embeds', 'float32').data, await talkerPrompt(golden), { atol: 1e-5, rtol: 1e-5 });
      const generated = Array.from(golden.array('thinker_token_ids', 'int64').data, Number);
      // The oracle stopped at its token limit, so its queue ends before the last word (reference README §12).
      const trailing = await projectWords([...generated.slice(1, -1), TTS.eos]);
      assertClose('trailing_text_hidden', golden.array('trailing_text_hidden', 'float32').data, trailing, { atol: 1e-5, rtol: 1e-5 });
      assertClose('tts_pad_embed', golden.array('tts_pad_embed', 'float32').data, await projectWords([TTS.pad]), { atol: 1e-5, rtol: 1e-5 });
    });

    it(`${name}: greedy codes of every frame`, async () => {
      const golden = loadGoldenCase(name);
      const H = graphs.config.talker.hiddenSize;
      const expected = golden.array('codes', 'int64');
      const [groups, frames] = expected.shape;
      const prompt = golden.array('talker_prefill_embeds', 'float32').data;
      const trailing = golden.array('trailing_text_hidden', 'float32').data;
      const ttsPad = golden.array('tts_pad_embed', 'float32').data;
      const delta = Number(golden.array('talker_rope_delta').data[0]);
      const promptLength = prompt.length / H;
      graphs.resetTalker();
      let step = await graphs.talkerStep(prompt, Array.from(golden.array('talker_position_ids').data, Number));
      const history: number[] = [];
      const codes = new BigInt64Array(groups * frames);
      for (let k = 0; k < frames; k++) {
        const c0 = pickC0(step.logits, history);
        history.push(c0);
        const frame = (await graphs.predictFrame(step.lastHidden, c0)).codes;
        frame.forEach((c, g) => (codes[g * frames + k] = BigInt(c)));
        if (k === frames - 1) break;
        const text = k < trailing.length / H ? trailing.subarray(k * H, (k + 1) * H) : ttsPad;
        const position = promptLength + k + delta;
        step = await graphs.talkerStep(add((await graphs.embedCodes(frame, 0)).sum, text), [position, position, position]);
      }
      assertExact('codes', expected, { data: codes, shape: [groups, frames] });
    });
  }
});
