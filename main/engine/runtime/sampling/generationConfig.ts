/**
 * Sampling defaults: the checkpoint's `generation_config.json` (kept byte-identical in the bundle) over
 * transformers' `GenerationConfig` class defaults, then a request's own settings over both. A key set to null
 * switches its step off, as in transformers.
 *
 * Note (qwen3-omni.md §9.5): transformers 5.18 builds the thinker's generation config from the thinker sub-config,
 * so `Qwen3OmniMoeForConditionalGeneration.generate` leaves the top-level file unread for the thinker and decodes
 * greedily unless `thinker_*` settings are passed. Issue 5 asks for the file's values as defaults; for a file
 * without sampling keys (the tiny checkpoint's) both readings are greedy. Where a file sets sampling keys, a
 * request wanting transformers' plain `generate` passes `doSample: false` (the CLI's --greedy).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { OmniError } from '../../errors';
import { readJsonFile, validate } from '../../processor/config';
import type { SamplingSettings } from './sampler';

/** transformers' `GenerationConfig()`: greedy; the warper values apply once `do_sample` is set. */
export const TRANSFORMERS_SAMPLING_DEFAULTS: SamplingSettings = {
  doSample: false,
  temperature: 1,
  topK: 50,
  topP: 1,
  repetitionPenalty: 1,
  suppressTokens: [],
};

const fileSchema = z
  .object({
    do_sample: z.boolean().optional(),
    temperature: z.number().nonnegative().nullable().optional(),
    top_k: z.int().nonnegative().nullable().optional(),
    top_p: z.number().min(0).max(1).nullable().optional(),
    repetition_penalty: z.number().positive().nullable().optional(),
    suppress_tokens: z.array(z.int().nonnegative()).nullable().optional(),
  })
  .loose();

/** The sampling defaults of a checkpoint or bundle directory (transformers' alone when the file is absent). */
export function readSamplingDefaults(dir: string): SamplingSettings {
  const file = path.join(dir, 'generation_config.json');
  if (!existsSync(file)) return TRANSFORMERS_SAMPLING_DEFAULTS;
  const json = validate(fileSchema, readJsonFile(file), file);
  const d = TRANSFORMERS_SAMPLING_DEFAULTS;
  const pick = <T>(value: T | null | undefined, fallback: T, off: T): T => (value === undefined ? fallback : value === null ? off : value);
  return {
    doSample: json.do_sample ?? d.doSample,
    temperature: pick(json.temperature, d.temperature, 1),
    topK: pick(json.top_k, d.topK, 0),
    topP: pick(json.top_p, d.topP, 1),
    repetitionPenalty: pick(json.repetition_penalty, d.repetitionPenalty, 1),
    suppressTokens: pick(json.suppress_tokens, d.suppressTokens, []),
  };
}

/** `defaults` with the request's settings over them, refused where transformers would refuse them. */
export function resolveSampling(defaults: SamplingSettings, overrides: Partial<SamplingSettings> = {}): SamplingSettings {
  const settings = { ...defaults, ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) };
  const problem =
    settings.doSample && !(settings.temperature > 0)
      ? `temperature ${settings.temperature} must be above 0 when sampling (use greedy decoding instead)`
      : !(settings.topP > 0 && settings.topP <= 1)
        ? `top_p ${settings.topP} must be in (0, 1]`
        : !(Number.isInteger(settings.topK) && settings.topK >= 0)
          ? `top_k ${settings.topK} must be a whole number ≥ 0`
          : !(settings.repetitionPenalty > 0)
            ? `repetition_penalty ${settings.repetitionPenalty} must be above 0`
            : undefined;
  if (problem) throw new OmniError('INVALID_REQUEST', `sampling: ${problem}`);
  return settings;
}
