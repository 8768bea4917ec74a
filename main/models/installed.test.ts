import { describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { listInstalledModels } from './installed';
import { testTempDir } from '../../test/tempDir';

describe('installed models', () => {
  it('lists bundles that have a manifest, with their size, and ignores unfinished ones', async () => {
    const models = testTempDir('models');
    const bundle = (variant: string, files: Record<string, string>) => {
      const dir = path.join(models, 'Qwen', 'Qwen3-Omni-30B-A3B-Instruct', 'abc123', 'bundles', variant);
      mkdirSync(dir, { recursive: true });
      for (const [name, body] of Object.entries(files)) writeFileSync(path.join(dir, name), body);
      return dir;
    };
    const int4 = bundle('int4', { 'manifest.json': '{}', 'thinker.onnx': 'x'.repeat(100) });
    bundle('fp32', { 'thinker.onnx': 'unfinished build, no manifest yet' });
    expect(await listInstalledModels(models)).toEqual([
      {
        id: 'Qwen/Qwen3-Omni-30B-A3B-Instruct',
        revision: 'abc123',
        variants: [{ variant: 'int4', path: int4, sizeBytes: 102 }],
      },
    ]);
  });

  it('returns nothing for a missing models folder', async () => {
    expect(await listInstalledModels(path.join(os.tmpdir(), 'does-not-exist-omnidesk'))).toEqual([]);
  });
});
