import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { homePaths } from '../../engine/home';
import { isModelError } from '../errors';
import { listInstalledModels } from '../installed';
import { tempHome } from '../testing/harness';
import { buildVariant, type BuildProgress, type BundleBuilder } from './postDownload';

function installedCheckpoint(): { home: string; checkpoint: string } {
  const home = tempHome('build');
  const checkpoint = path.join(homePaths(home).models, 'Qwen', 'Tiny-Omni', 'c'.repeat(40), 'checkpoint');
  mkdirSync(checkpoint, { recursive: true });
  writeFileSync(path.join(checkpoint, 'config.json'), '{}');
  return { home, checkpoint };
}

/** Stands in for the ONNX builder: reports progress, writes a graph, then the manifest last. */
const ORIGIN = { id: 'Qwen/Qwen3-Omni-30B-A3B-Instruct', revision: 'abc123' };

const fakeBuilder =
  (seen: { listedWhileBuilding?: number } = {}, home?: string): BundleBuilder =>
  async ({ bundleDir, checkpointDir, model, onProgress, signal }) => {
    expect(existsSync(path.join(checkpointDir, 'config.json'))).toBe(true);
    expect(model, 'the bundle learns which repository and commit it is built from').toEqual(ORIGIN);
    for (let layer = 1; layer <= 4; layer++) {
      if (signal.aborted) throw new Error('aborted');
      writeFileSync(path.join(bundleDir, `thinker.${layer}.onnx`), 'graph');
      onProgress({ fraction: layer / 5, stage: `thinker layer ${layer} of 4` });
    }
    writeFileSync(path.join(bundleDir, 'manifest.json'), '{}');
    if (home) seen.listedWhileBuilding = (await listInstalledModels(homePaths(home).models)).length;
  };

describe('the build step after a download', () => {
  it('builds into a hidden folder with progress, then makes the bundle appear whole, keeping the checkpoint', async () => {
    const { home, checkpoint } = installedCheckpoint();
    const progress: BuildProgress[] = [];
    const seen: { listedWhileBuilding?: number } = {};
    const result = await buildVariant({ builder: fakeBuilder(seen, home), checkpointDir: checkpoint, model: ORIGIN, variant: 'int4', keepCheckpoint: true, onProgress: (p) => progress.push(p) });
    expect(seen.listedWhileBuilding).toBe(0);
    expect(progress.map((p) => p.fraction)).toEqual([0.2, 0.4, 0.6, 0.8, 1]);
    expect(progress[3].stage).toBe('thinker layer 4 of 4');
    expect(readdirSync(result.bundleDir).sort()).toEqual(['manifest.json', 'thinker.1.onnx', 'thinker.2.onnx', 'thinker.3.onnx', 'thinker.4.onnx']);
    expect(existsSync(checkpoint)).toBe(true);
    expect((await listInstalledModels(homePaths(home).models))[0].variants.map((v) => v.variant)).toEqual(['int4']);
  });

  it('deletes the checkpoint afterwards when the user chose not to keep it', async () => {
    const { checkpoint } = installedCheckpoint();
    const result = await buildVariant({ builder: fakeBuilder(), checkpointDir: checkpoint, model: ORIGIN, variant: 'fp32', keepCheckpoint: false });
    expect(result.checkpointKept).toBe(false);
    expect(existsSync(checkpoint)).toBe(false);
    expect(readdirSync(path.dirname(checkpoint))).toEqual(['bundles']);
  });

  it('keeps the checkpoint and leaves no bundle when the builder fails, is cancelled, or forgets the manifest', async () => {
    const failing: BundleBuilder = async () => {
      throw new Error('out of memory while packing experts');
    };
    const forgetful: BundleBuilder = async ({ bundleDir }) => writeFileSync(path.join(bundleDir, 'thinker.onnx'), 'graph');
    const controller = new AbortController();
    controller.abort();
    const cases = [
      { builder: failing, reason: 'BUILD_FAILED', message: /out of memory while packing experts/ },
      { builder: forgetful, reason: 'BUILD_FAILED', message: /without writing manifest\.json/ },
      { builder: fakeBuilder(), reason: 'CANCELLED', message: /cancelled/, signal: controller.signal },
    ] as const;
    for (const c of cases) {
      const { checkpoint } = installedCheckpoint();
      const error = await buildVariant({ builder: c.builder, checkpointDir: checkpoint, model: ORIGIN, variant: 'int4', keepCheckpoint: false, signal: 'signal' in c ? c.signal : undefined }).catch((e: unknown) => e);
      expect(isModelError(error, c.reason)).toBe(true);
      expect((error as Error).message).toMatch(c.message);
      expect(existsSync(checkpoint)).toBe(true);
      expect(readdirSync(path.join(path.dirname(checkpoint), 'bundles'))).toEqual([]);
    }
  });
});
