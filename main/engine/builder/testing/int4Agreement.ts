/**
 * How far an int4 bundle's thinker strays from the fp32 bundle's: at every prompt position of the golden cases (their
 * input ids and M-RoPE positions, teacher-forced one position at a time through the KV cache), whether both pick the
 * same next token, the cosine of the two logit vectors, and the fp32 top-1 margin (top-1 minus top-2 logit), which
 * says how close to a tie the position was. Media placeholder positions carry their token's embedding: the golden
 * media features are the tiny checkpoint's width.
 */
import { Thinker } from '../../omni/thinker';
import type { LoadedBundle } from '../../runtime/bundle';
import { SessionManager } from '../../runtime/sessions';
import { loadGoldenCase } from '../../testing/fixtures';
import { CPU_ONLY } from '../../testing/tinyBundle';

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

/** Per-position logits of one golden prompt. */
async function promptLogits(bundle: LoadedBundle, caseName: string): Promise<Float32Array[]> {
  const golden = loadGoldenCase(caseName);
  const ids = golden.array('input_ids', 'int64').data;
  const pos = golden.array('position_ids', 'float32').data;
  const S = ids.length;
  const sessions = new SessionManager({ providers: CPU_ONLY, variant: { name: bundle.variant, eps: bundle.manifest.variants[bundle.variant].eps }, intraOpNumThreads: 1 });
  try {
    const thinker = await Thinker.open(bundle, sessions);
    const H = thinker.settings.hiddenSize;
    const embeds = await thinker.embed(BigInt64Array.from(ids));
    const cache = thinker.createCache();
    const rows: Float32Array[] = [];
    for (let s = 0; s < S; s++) rows.push((await thinker.forward(cache, embeds.subarray(s * H, (s + 1) * H), [pos[s], pos[S + s], pos[2 * S + s]])).logits);
    return rows;
  } finally {
    await sessions.release();
  }
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

export async function int4Agreement(fp32: LoadedBundle, int4: LoadedBundle, caseNames: string[]): Promise<CaseAgreement[]> {
  const out: CaseAgreement[] = [];
  for (const name of caseNames) {
    const reference = await promptLogits(fp32, name);
    const quantised = await promptLogits(int4, name);
    out.push({ name, positions: reference.map((row, s) => compare(row, quantised[s])) });
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
}

export function summarise(positions: PositionAgreement[], marginAbove: number): AgreementSummary {
  const share = (list: PositionAgreement[]) => (list.length ? list.filter((p) => p.agree).length / list.length : NaN);
  const decisive = positions.filter((p) => p.margin > marginAbove);
  return {
    positions: positions.length,
    top1: share(positions),
    meanCosine: positions.reduce((sum, p) => sum + p.cosine, 0) / positions.length,
    minCosine: Math.min(...positions.map((p) => p.cosine)),
    decisive: { marginAbove, positions: decisive.length, top1: share(decisive) },
  };
}
