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

  it("decodes the Code2Wav transformer's output to the waveform length the decoder's framing promises", async () => {
    const manifest = await readManifest(bundleDir);
    manifest.graphs.code2wav_decoder!.extra.lookaheadSamples = 554;
    await expect(selfCheck(bundleDir, manifest, 'cpu-fp32-int4')).rejects.toMatchObject({
      code: 'INTERNAL',
      message: 'self-check: code2wav_decoder: output waveform has shape [1, 1, 3285], expected [1, 1, 3286]',
    });
    const { code2wav_decoder: decoder, ...graphs } = (await readManifest(bundleDir)).graphs;
    const decoderFirst = { ...manifest, graphs: { code2wav_decoder: decoder, ...graphs } };
    await expect(selfCheck(bundleDir, decoderFirst, 'cpu-fp32-int4')).rejects.toThrow("self-check: code2wav_decoder: hidden comes from code2wav_transformer's hidden, which was not checked before it");
  });

  it('fails on a manifest that disagrees with its graph, and on a graph ONNX Runtime cannot load', async () => {
    const manifest = await readManifest(bundleDir);
    manifest.graphs.thinker.inputs = manifest.graphs.thinker.inputs.filter((io) => io.name !== 'deepstack_embeds');
    await expect(selfCheck(bundleDir, manifest, 'cpu-fp32-int4')).rejects.toMatchObject({
      code: 'INTERNAL',
      message: expect.stringMatching(/^self-check: thinker: the manifest declares inputs .* but the graph has .*deepstack_embeds/),
    });
    // Last: the other cases need the graphs intact.
    writeFileSync(path.join(bundleDir, 'cpu-fp32-int4', 'embed_tokens.onnx'), 'not a model');
    await expect(selfCheck(bundleDir, await readManifest(bundleDir), 'cpu-fp32-int4')).rejects.toThrow(/^self-check: embed_tokens: ONNX Runtime cannot load it/);
  });
});
