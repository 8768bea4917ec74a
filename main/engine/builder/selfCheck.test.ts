import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readManifest } from '../runtime/bundle';
import { TINY_CHECKPOINT_DIR } from '../testing/fixtures';
import { buildBundle } from './build';
import { selfCheck } from './selfCheck';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'omnidesk-selfcheck-'));
const bundleDir = path.join(scratch, 'int4');
beforeAll(() => buildBundle(TINY_CHECKPOINT_DIR, bundleDir, { variant: 'int4', selfCheck: false }));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('selfCheck', () => {
  it('runs every graph of a good bundle', async () => {
    await selfCheck(bundleDir, await readManifest(bundleDir), 'cpu-fp32-int4');
  });

  it('fails on a manifest that disagrees with its graph, and on a graph ONNX Runtime cannot load', async () => {
    const manifest = await readManifest(bundleDir);
    manifest.graphs.thinker.inputs = manifest.graphs.thinker.inputs.filter((io) => io.name !== 'deepstack_embeds');
    await expect(selfCheck(bundleDir, manifest, 'cpu-fp32-int4')).rejects.toMatchObject({
      code: 'INTERNAL',
      message: expect.stringMatching(/^self-check: thinker: the manifest declares inputs .* but the graph has .*deepstack_embeds/),
    });
    writeFileSync(path.join(bundleDir, 'cpu-fp32-int4', 'embed_tokens.onnx'), 'not a model');
    await expect(selfCheck(bundleDir, await readManifest(bundleDir), 'cpu-fp32-int4')).rejects.toThrow(/^self-check: embed_tokens: ONNX Runtime cannot load it/);
  });
});
