/**
 * int4 against fp32 where 4-bit blocks mean something: a synthetic thinker 512 wide (the tiny checkpoint's is 8,
 * one block per row) with the real layer structure — 4 MoE layers of 32 experts 256 wide, top-8, GQA 8:1 with
 * head_dim 128, interleaved M-RoPE, the 152064-token vocabulary — built in both variants, then compared at every
 * prompt position of the golden cases (int4Agreement.ts): top-1 next-token agreement, logits cosine, and top-1
 * agreement where fp32 is not near a tie. Random weights give nearly flat logits (the median fp32 top-1 margin is
 * about 0.05 logit), so top-1 there flips on perturbations a trained model's margins absorb; the cosine and the
 * decisive positions say more. Runs for a few minutes on two cores.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildBundle } from '../engine/builder/build';
import { int4Agreement, summarise, type AgreementSummary } from '../engine/builder/testing/int4Agreement';
import { writeSyntheticThinker, type SyntheticThinkerShape } from '../engine/builder/testing/syntheticThinker';
import { loadBundle } from '../engine/runtime/bundle';
import { goldenCaseNames } from '../engine/testing/fixtures';
import type { Bench, BenchResult } from './harness';

const SHAPE: SyntheticThinkerShape = {
  hidden: 512,
  layers: 4,
  heads: 8,
  kvHeads: 1,
  headDim: 128,
  mropeSection: [24, 20, 20],
  experts: 32,
  topK: 8,
  expertWidth: 256,
  vocab: 152064,
};
/** fp32 top-1 logit at least this far above the runner-up (the top token ≥ 10 % more likely): a decisive position. */
const DECISIVE_MARGIN = 0.1;

const percent = (share: number) => `${(share * 100).toFixed(1)} %`;
const describe = (s: AgreementSummary) =>
  `${s.positions} positions, logits cosine mean ${s.meanCosine.toFixed(4)} min ${s.minCosine.toFixed(4)}, ` +
  `top-1 at ${s.decisive.positions} decisive positions ${percent(s.decisive.top1)}`;

const bench: Bench = {
  name: 'int4',
  async run() {
    const scratch = mkdtempSync(path.join(os.tmpdir(), 'omnidesk-int4-bench-'));
    try {
      const checkpoint = path.join(scratch, 'checkpoint');
      mkdirSync(checkpoint);
      await writeSyntheticThinker(checkpoint, SHAPE);
      for (const variant of ['fp32', 'int4'] as const) {
        process.stderr.write(`  building the ${variant} bundle …\n`);
        await buildBundle(checkpoint, path.join(scratch, variant), { variant, selfCheck: false });
      }
      process.stderr.write('  comparing logits at every golden prompt position …\n');
      const [fp32, int4] = await Promise.all(['fp32', 'int4'].map((variant) => loadBundle(path.join(scratch, variant), { verify: 'size' })));
      const cases = await int4Agreement(fp32, int4, goldenCaseNames());
      const results: BenchResult[] = cases.map(({ name, positions }) => {
        const s = summarise(positions, DECISIVE_MARGIN);
        return { name: `int4 vs fp32 top-1, ${name}`, value: s.top1 * 100, unit: '%', note: describe(s) };
      });
      const all = summarise(cases.flatMap((c) => c.positions), DECISIVE_MARGIN);
      results.push(
        { name: 'int4 vs fp32 top-1, all cases', value: all.top1 * 100, unit: '%', note: `target ≥ 95 % — ${describe(all)}` },
        { name: 'int4 vs fp32 logits cosine, all cases', value: all.meanCosine, unit: '', note: `mean ${all.meanCosine.toFixed(4)}, target ≥ 0.99 — ${all.meanCosine >= 0.99 ? 'met' : 'NOT met'}` },
        { name: `int4 vs fp32 top-1, fp32 margin > ${DECISIVE_MARGIN}`, value: all.decisive.top1 * 100, unit: '%', note: `${all.decisive.positions} of ${all.positions} positions` },
      );
      return results;
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  },
};

export default bench;
