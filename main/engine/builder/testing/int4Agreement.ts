/**
 * How far an int4 bundle's thinker strays from the fp32 bundle's: at every prompt position of the golden cases,
 * teacher-forced one position at a time through the KV cache (the graph gives the last position's logits), whether
 * both pick the same next token, the cosine of the two logit vectors, and the fp32 top-1 margin (top-1 minus top-2
 * logit), which says how close to a tie the position was.
 *
 * A case's prompt comes one of two ways:
 * - `goldenPrompts`: the oracle's input ids and M-RoPE positions. Media slots keep their placeholder token's
 *   embedding: the golden media features have the tiny checkpoint's width, which a synthetic thinker does not share.
 * - `processedPrompts`: the case's request through our processor with the bundle's own tokenizer and processor
 *   config, its media run through each bundle's own encoders — the real model's features at the real slots.
 */
import { MediaEncoders } from '../../omni/encoders';
import { scatterMedia } from '../../omni/mediaScatter';
import { Thinker } from '../../omni/thinker';
import { Qwen3OmniProcessor, type ProcessorOutput } from '../../processor/processor';
import type { LoadedBundle } from '../../runtime/bundle';
import { SessionManager } from '../../runtime/sessions';
import { goldenProcessRequest, loadGoldenCase } from '../../testing/fixtures';
import { CPU_ONLY } from '../../testing/tinyBundle';

/** Issue #5's Done-when for the int4 variant, over all prompt positions: top-1 share and mean logits cosine. */
export const INT4_TARGETS = { top1: 0.95, meanCosine: 0.99 } as const;

export interface AgreementPrompt {
  name: string;
  inputIds: BigInt64Array;
  /** `[3, S]` T/H/W rows. */
  positionIds: ArrayLike<number>;
  /** The processed request whose media each bundle's encoders turn into features; absent, slots keep token embeddings. */
  processed?: ProcessorOutput;
}

export function goldenPrompts(caseNames: readonly string[]): AgreementPrompt[] {
  return caseNames.map((name) => {
    const golden = loadGoldenCase(name);
    return { name, inputIds: BigInt64Array.from(golden.array('input_ids', 'int64').data), positionIds: golden.array('position_ids', 'float32').data };
  });
}

/** The golden cases' requests (messages, media, audio-in-video) processed with `dir`'s tokenizer and processor config. */
export async function processedPrompts(dir: string, caseNames: readonly string[]): Promise<AgreementPrompt[]> {
  const processor = Qwen3OmniProcessor.fromCheckpoint(dir);
  const prompts: AgreementPrompt[] = [];
  for (const name of caseNames) {
    const processed = await processor.process(goldenProcessRequest(loadGoldenCase(name)));
    prompts.push({ name, inputIds: processed.inputIds, positionIds: processed.positionIds, processed });
  }
  return prompts;
}

export interface AgreementOptions {
  /** Threads per operator; unset = onnxruntime's default (one per physical core). */
  intraOpNumThreads?: number;
}

/** Each prompt's logits `[V]` at every position, prompt by prompt; the bundle's sessions open once for all of them. */
async function* promptLogits(bundle: LoadedBundle, prompts: readonly AgreementPrompt[], options: AgreementOptions): AsyncGenerator<Float32Array[]> {
  const eps = bundle.manifest.variants[bundle.variant].eps;
  const sessions = new SessionManager({ providers: CPU_ONLY, variant: { name: bundle.variant, eps }, intraOpNumThreads: options.intraOpNumThreads });
  try {
    const thinker = await Thinker.open(bundle, sessions);
    const encoders = new MediaEncoders(bundle, sessions);
    const { hiddenSize: H, deepstackLayers: K, mediaTokens } = thinker.settings;
    for (const prompt of prompts) {
      const S = prompt.inputIds.length;
      const embeds = await thinker.embed(prompt.inputIds);
      const deepstack = prompt.processed
        ? scatterMedia(prompt.inputIds, embeds, await encoders.encode(prompt.processed), mediaTokens, { hidden: H, deepstackLayers: K })
        : undefined;
      const cache = thinker.createCache();
      const rows: Float32Array[] = [];
      for (let s = 0; s < S; s++) {
        const pos = prompt.positionIds;
        const features = deepstack && Float32Array.from({ length: K * H }, (_, i) => deepstack[(Math.floor(i / H) * S + s) * H + (i % H)]);
        rows.push((await thinker.forward(cache, embeds.subarray(s * H, (s + 1) * H), [pos[s], pos[S + s], pos[2 * S + s]], features)).logits);
      }
      yield rows;
    }
  } finally {
    await sessions.release();
  }
}

export interface PositionAgreement {
  agree: boolean;
  cosine: number;
  /** fp32 logit of the top-1 token minus that of the runner-up. */
  margin: number;
}

export interface CaseAgreement {
  name: string;
  positions: PositionAgreement[];
}

function compare(reference: Float32Array, quantised: Float32Array): PositionAgreement {
  let top = 0;
  let second = -Infinity;
  let topQ = 0;
  let dot = 0;
  let nr = 0;
  let nq = 0;
  for (let i = 0; i < reference.length; i++) {
    const r = reference[i];
    const q = quantised[i];
    if (r > reference[top]) {
      second = reference[top];
      top = i;
    } else if (i !== top && r > second) second = r;
    if (q > quantised[topQ]) topQ = i;
    dot += r * q;
    nr += r * r;
    nq += q * q;
  }
  return { agree: top === topQ, cosine: dot / Math.sqrt(nr * nq), margin: reference[top] - second };
}

/**
 * Runs every prompt through the fp32 bundle, then through the int4 one, one bundle's sessions open at a time (the
 * real fp32 thinker alone needs ~120 GB); the fp32 logits are kept meanwhile (~0.6 MB a position at 152k vocabulary).
 */
export async function int4Agreement(fp32: LoadedBundle, int4: LoadedBundle, prompts: readonly AgreementPrompt[], options: AgreementOptions = {}): Promise<CaseAgreement[]> {
  const reference: Float32Array[][] = [];
  for await (const rows of promptLogits(fp32, prompts, options)) reference.push(rows);
  const out: CaseAgreement[] = [];
  for await (const rows of promptLogits(int4, prompts, options)) {
    const i = out.length;
    out.push({ name: prompts[i].name, positions: rows.map((row, s) => compare(reference[i][s], row)) });
  }
  return out;
}

export interface AgreementSummary {
  positions: number;
  /** Share of positions where int4 and fp32 pick the same token. */
  top1: number;
  meanCosine: number;
  minCosine: number;
  /** top-1 agreement over the positions whose fp32 margin exceeds `marginAbove`, and how many those are. */
  decisive: { marginAbove: number; positions: number; top1: number };
  /** Whether `top1` and `meanCosine` reach INT4_TARGETS. */
  meets: { top1: boolean; meanCosine: boolean };
}

export function summarise(positions: PositionAgreement[], marginAbove: number): AgreementSummary {
  const share = (list: PositionAgreement[]) => (list.length ? list.filter((p) => p.agree).length / list.length : NaN);
  const decisive = positions.filter((p) => p.margin > marginAbove);
  const top1 = share(positions);
  const meanCosine = positions.reduce((sum, p) => sum + p.cosine, 0) / positions.length;
  return {
    positions: positions.length,
    top1,
    meanCosine,
    minCosine: positions.reduce((min, p) => Math.min(min, p.cosine), Infinity),
    decisive: { marginAbove, positions: decisive.length, top1: share(decisive) },
    meets: { top1: top1 >= INT4_TARGETS.top1, meanCosine: meanCosine >= INT4_TARGETS.meanCosine },
  };
}
