import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildBundle } from '../builder/build';
import { buildBuilder1Bundle } from '../builder/testing/olderBundles';
import { TINY_CHECKPOINT_DIR } from '../testing/fixtures';
import { loadBundle, type Manifest } from './bundle';
import { STAMPS_FILE } from './verificationStamps';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'omnidesk-bundle-'));
const template = path.join(scratch, 'template');
let copies = 0;
/** A fresh copy of the built bundle to damage. */
const copy = () => {
  const dir = path.join(scratch, `copy-${copies++}`);
  cpSync(template, dir, { recursive: true });
  return dir;
};
const editManifest = (dir: string, edit: (json: Manifest) => void) => {
  const file = path.join(dir, 'manifest.json');
  const json = JSON.parse(readFileSync(file, 'utf8'));
  edit(json);
  writeFileSync(file, JSON.stringify(json));
};

beforeAll(() => buildBundle(TINY_CHECKPOINT_DIR, template, { variant: 'fp32', selfCheck: false }));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('loadBundle', () => {
  it('verifies every listed file and resolves graph paths of the variant', async () => {
    const bundle = await loadBundle(template);
    expect(bundle.variant).toBe('cpu-fp32');
    expect(bundle.graphPath('thinker')).toBe(path.join(template, 'cpu-fp32', 'thinker.onnx'));
    expect(() => bundle.graphPath('mtp_unrolled')).toThrow('the bundle has no graph mtp_unrolled');
    await expect(loadBundle(template, { variant: 'gpu-fp16-int4' })).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
  });

  it('refuses a file that fails its sha256 (unless asked to check sizes only), a truncated file and a missing one', async () => {
    const flipped = copy();
    const data = path.join(flipped, 'cpu-fp32', 'thinker.onnx.data');
    const bytes = readFileSync(data);
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(data, bytes);
    await expect(loadBundle(flipped)).rejects.toMatchObject({ code: 'BUNDLE_CORRUPT', message: expect.stringMatching(/cpu-fp32\/thinker\.onnx\.data fails its sha256 check \([0-9a-f]{64}, expected [0-9a-f]{64}\)$/) });
    await loadBundle(flipped, { verify: 'size' });

    const truncated = copy();
    truncateSync(path.join(truncated, 'vocab.json'), 10);
    await expect(loadBundle(truncated)).rejects.toMatchObject({ code: 'BUNDLE_CORRUPT', message: expect.stringContaining('vocab.json has 10 bytes, the manifest says') });

    const missing = copy();
    rmSync(path.join(missing, 'cpu-fp32', 'embed_tokens.onnx'));
    await expect(loadBundle(missing)).rejects.toMatchObject({ code: 'BUNDLE_CORRUPT', message: `${missing}: cpu-fp32/embed_tokens.onnx is missing` });
  });

  it('hashes a bundle in full once, records a stamp per file, and later hashes only the files whose stamp changed', async () => {
    const dir = copy();
    const everyFile = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')).files.map((f: { path: string }) => f.path);
    // A copy has new inodes, so the builder's stamps do not vouch for it.
    expect((await loadBundle(dir)).hashedFiles).toEqual(everyFile);
    expect(Object.keys(JSON.parse(readFileSync(path.join(dir, STAMPS_FILE), 'utf8')).files)).toEqual(everyFile);
    expect((await loadBundle(dir)).hashedFiles).toEqual([]);
    expect((await loadBundle(dir, { verify: 'size' })).hashedFiles).toEqual([]);

    // The same bytes under a new inode: hashed again, accepted, stamped.
    const vocab = path.join(dir, 'vocab.json');
    writeFileSync(`${vocab}.new`, readFileSync(vocab));
    renameSync(`${vocab}.new`, vocab);
    expect((await loadBundle(dir)).hashedFiles).toEqual(['vocab.json']);
    expect((await loadBundle(dir)).hashedFiles).toEqual([]);

    // An unreadable stamps file only costs a full hash.
    writeFileSync(path.join(dir, STAMPS_FILE), '{"version": 1, "files": ');
    expect((await loadBundle(dir)).hashedFiles).toEqual(everyFile);
  });

  it('catches a file rewritten in place or truncated after it was stamped, naming it', async () => {
    const rewritten = copy();
    const data = path.join(rewritten, 'cpu-fp32', 'thinker.onnx.data');
    // A whole-second modification time, so it can be set back exactly after the rewrite.
    utimesSync(data, 1_700_000_000, 1_700_000_000);
    await loadBundle(rewritten);
    const bytes = readFileSync(data);
    bytes[0] ^= 0xff;
    writeFileSync(data, bytes);
    // Same size, same inode, same modification time: only the change time, which cannot be set back, tells.
    utimesSync(data, 1_700_000_000, 1_700_000_000);
    await expect(loadBundle(rewritten)).rejects.toMatchObject({
      code: 'BUNDLE_CORRUPT',
      message: expect.stringMatching(/^.*: cpu-fp32\/thinker\.onnx\.data fails its sha256 check \([0-9a-f]{64}, expected [0-9a-f]{64}\)$/),
    });

    const truncated = copy();
    await loadBundle(truncated);
    const graph = path.join(truncated, 'cpu-fp32', 'thinker.onnx');
    const size = statSync(graph).size;
    truncateSync(graph, size - 1);
    await expect(loadBundle(truncated)).rejects.toMatchObject({ code: 'BUNDLE_CORRUPT', message: `${truncated}: cpu-fp32/thinker.onnx has ${size - 1} bytes, the manifest says ${size}` });
  });

  it('refuses a bundle from an incompatible builder or format version, asking for a rebuild', async () => {
    const newer = copy();
    editManifest(newer, (json) => (json.builder.version = '3.0.0'));
    await expect(loadBundle(newer)).rejects.toMatchObject({
      code: 'BUNDLE_CORRUPT',
      message: `${newer}: built by omnidesk-builder 3.0.0 as omni-onnx-bundle v1; this runtime reads omni-onnx-bundle v1 from omnidesk-builder 1.x or 2.x`,
      hint: expect.stringContaining('omnidesk build'),
    });
    const otherFormat = copy();
    editManifest(otherFormat, (json) => ((json as { formatVersion: number }).formatVersion = 2));
    await expect(loadBundle(otherFormat)).rejects.toMatchObject({ code: 'BUNDLE_CORRUPT', message: expect.stringContaining('as omni-onnx-bundle v2') });
  });

  it("reads builder 1's manifests: the vocoder numbers kept on its one-pass code2wav entry are copied onto a split pair beside it", async () => {
    const both = path.join(scratch, 'builder1-both');
    await buildBuilder1Bundle(TINY_CHECKPOINT_DIR, both, 'one-pass+split');
    const written = JSON.parse(readFileSync(path.join(both, 'manifest.json'), 'utf8'));
    expect([written.builder.version, written.graphs.code2wav_transformer.extra, written.graphs.code2wav_decoder.extra]).toEqual(['1.0.0', { cachedFrames: 71 }, undefined]);
    const { graphs } = (await loadBundle(both)).manifest;
    expect([graphs.code2wav?.extra, graphs.code2wav_transformer?.extra, graphs.code2wav_decoder?.extra]).toEqual([
      { numQuantizers: 16, codebookSize: 2048, samplesPerFrame: 1920, lookaheadSamples: 555 },
      { cachedFrames: 71, numQuantizers: 16, codebookSize: 2048 },
      { samplesPerFrame: 1920, lookaheadSamples: 555 },
    ]);

    const onePass = path.join(scratch, 'builder1-one-pass');
    await buildBuilder1Bundle(TINY_CHECKPOINT_DIR, onePass, 'one-pass');
    const alone = (await loadBundle(onePass)).manifest.graphs;
    expect(Object.keys(alone).filter((name) => name.startsWith('code2wav'))).toEqual(['code2wav']);
    expect(alone.code2wav?.extra).toEqual({ numQuantizers: 16, codebookSize: 2048, samplesPerFrame: 1920, lookaheadSamples: 555 });
  });

  it('takes the manifest of builder 2 as written: its split pair carries the vocoder numbers itself', async () => {
    const { graphs } = (await loadBundle(template)).manifest;
    expect([graphs.code2wav, graphs.code2wav_transformer?.extra, graphs.code2wav_decoder?.extra]).toEqual([
      undefined,
      { cachedFrames: 71, numQuantizers: 16, codebookSize: 2048 },
      { samplesPerFrame: 1920, lookaheadSamples: 555 },
    ]);
    const framingless = copy();
    editManifest(framingless, (json) => delete (json.graphs.code2wav_decoder as { extra?: unknown }).extra);
    await expect(loadBundle(framingless)).rejects.toMatchObject({ code: 'BUNDLE_CORRUPT', message: expect.stringContaining('manifest.json: graphs.code2wav_decoder.extra:') });
  });

  it('refuses a manifest that breaks the schema or points outside the bundle, and a folder without one', async () => {
    const broken = copy();
    editManifest(broken, (json) => delete (json.graphs.thinker as Partial<Manifest['graphs']['thinker']>).kv);
    await expect(loadBundle(broken)).rejects.toMatchObject({ code: 'BUNDLE_CORRUPT', message: expect.stringContaining('manifest.json: graphs.thinker.kv:') });
    const escaping = copy();
    editManifest(escaping, (json) => (json.files.find((f) => f.path === 'config.json')!.path = '../template/config.json'));
    await expect(loadBundle(escaping)).rejects.toThrow('manifest.json lists a path outside the bundle: ../template/config.json');
    await expect(loadBundle(scratch)).rejects.toMatchObject({ code: 'MODEL_NOT_INSTALLED' });
  });
});
