import { describe, expect, it } from 'vitest';
import { existsSync, linkSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { homePaths } from '../engine/home';
import { isModelError } from './errors';
import { tempHome } from './testing/harness';
import { removeModel } from './remove';

describe('removing a model', () => {
  it('removes every revision and unfinished download, counting only bytes it really frees', async () => {
    const home = tempHome('rm');
    const { models, downloads } = homePaths(home);
    const hfBlob = path.join(tempHome('hf'), 'blob');
    writeFileSync(hfBlob, 'x'.repeat(1000));
    for (const commit of ['a'.repeat(40), 'b'.repeat(40)]) {
      const checkpoint = path.join(models, 'Qwen', 'Tiny-Omni', commit, 'checkpoint');
      mkdirSync(checkpoint, { recursive: true });
      writeFileSync(path.join(checkpoint, 'config.json'), 'y'.repeat(100));
      linkSync(hfBlob, path.join(checkpoint, 'model.safetensors'));
    }
    mkdirSync(path.join(models, 'Qwen', 'Other'), { recursive: true });
    const staging = path.join(downloads, `Qwen--Tiny-Omni--${'c'.repeat(40)}`);
    mkdirSync(staging, { recursive: true });
    writeFileSync(path.join(staging, 'journal.json'), 'z'.repeat(10));

    expect(await removeModel(home, 'Qwen/Tiny-Omni')).toEqual({ repo: 'Qwen/Tiny-Omni', revisions: ['a'.repeat(40), 'b'.repeat(40)], downloads: 1, freedBytes: 210 });
    expect(existsSync(path.join(models, 'Qwen', 'Tiny-Omni'))).toBe(false);
    expect(existsSync(staging)).toBe(false);
    expect(existsSync(path.join(models, 'Qwen', 'Other'))).toBe(true);
    expect(existsSync(hfBlob)).toBe(true);
  });

  it('says so when the model is not installed, and refuses while it is being downloaded', async () => {
    const home = tempHome('rm');
    const missing = await removeModel(home, 'Qwen/Nothing').catch((e: unknown) => e);
    expect(isModelError(missing, 'MODEL_NOT_INSTALLED')).toBe(true);
    const staging = path.join(homePaths(home).downloads, `Qwen--Busy--${'c'.repeat(40)}`);
    mkdirSync(staging, { recursive: true });
    writeFileSync(path.join(staging, 'lock'), String(process.pid));
    expect(isModelError(await removeModel(home, 'Qwen/Busy').catch((e: unknown) => e), 'DOWNLOAD_BUSY')).toBe(true);
    expect(existsSync(staging)).toBe(true);
    expect(isModelError(await removeModel(home, '../etc').catch((e: unknown) => e), 'INVALID_REQUEST')).toBe(true);
  });
});
