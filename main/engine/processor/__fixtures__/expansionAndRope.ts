/** Loader of expansion_and_rope.json: transformers 5.18's expansion and rope index on synthetic prompts (generate.py). */
import { readFileSync } from 'node:fs';

export interface ExpansionCase {
  name: string;
  prompt: string;
  useAudioInVideo: boolean;
  audioTokenCounts: number[];
  imageGridThw: number[][];
  videoGridThw: number[][];
  videoSecondPerGrid: number[];
  expanded: string;
  inputIds: number[];
  positionIds: number[][];
  ropeDelta: number;
}

export const expansionCases = (
  JSON.parse(readFileSync(new URL('./expansion_and_rope.json', import.meta.url), 'utf8')) as { cases: ExpansionCase[] }
).cases;
