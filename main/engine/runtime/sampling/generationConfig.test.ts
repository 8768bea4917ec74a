import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TINY_CHECKPOINT_DIR } from '../../testing/fixtures';
import { readSamplingDefaults, resolveSampling, TRANSFORMERS_SAMPLING_DEFAULTS } from './generationConfig';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'omnidesk-genconfig-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const withFile = (json: unknown) => {
  const dir = mkdtempSync(path.join(scratch, 'ckpt-'));
  writeFileSync(path.join(dir, 'generation_config.json'), JSON.stringify(json));
  return dir;
};

describe('sampling defaults from generation_config.json', () => {
  it("the tiny checkpoint's file has no sampling keys: transformers' defaults, i.e. greedy", () => {
    expect(readSamplingDefaults(TINY_CHECKPOINT_DIR)).toEqual({
      doSample: false,
      temperature: 1,
      topK: 50,
      topP: 1,
      repetitionPenalty: 1,
      suppressTokens: [],
    });
  });

  it("a file's sampling keys become the defaults; null switches a step off", () => {
    const dir = withFile({ do_sample: true, temperature: 0.7, top_k: null, top_p: 0.8, repetition_penalty: 1.05, eos_token_id: [151645] });
    expect(readSamplingDefaults(dir)).toEqual({ doSample: true, temperature: 0.7, topK: 0, topP: 0.8, repetitionPenalty: 1.05, suppressTokens: [] });
  });

  it('no file: transformers alone', () => {
    expect(readSamplingDefaults(scratch)).toBe(TRANSFORMERS_SAMPLING_DEFAULTS);
  });

  it('a malformed file is named with the field at fault', () => {
    const dir = withFile({ top_p: 2 });
    expect(() => readSamplingDefaults(dir)).toThrow(`${path.join(dir, 'generation_config.json')}: top_p`);
  });
});

describe('request settings over the defaults', () => {
  const sampling = { ...TRANSFORMERS_SAMPLING_DEFAULTS, doSample: true, temperature: 0.7 };

  it('replace the defaults they name (undefined keeps the default)', () => {
    expect(resolveSampling(sampling, { doSample: false, topK: undefined })).toEqual({ ...sampling, doSample: false });
  });

  it('are refused where transformers refuses them', () => {
    expect(() => resolveSampling(sampling, { temperature: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_REQUEST', message: expect.stringContaining('temperature 0') }));
    expect(() => resolveSampling(sampling, { topP: 0 })).toThrow('top_p 0 must be in (0, 1]');
    expect(resolveSampling(sampling, { doSample: false, temperature: 0 }).doSample).toBe(false);
  });
});
