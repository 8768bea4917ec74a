import { beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { suiteTempDir } from '../../../test/tempDir';
import { TINY_CHECKPOINT_DIR } from '../testing/fixtures';
import { buildBundle, type BuildOptions } from './build';
import type { VariantName } from './manifest';
import { ExternalDataWriter, writeError, type InitializerBytes } from './onnx/externalData';
import { openFilesIn } from './testing/openFiles';
import { writeSyntheticThinker, type SyntheticThinkerShape } from './testing/syntheticThinker';

const scratch = suiteTempDir('parallel-build');

/**
 * A thinker wide enough that its expert stacks and head go to the data file in many pieces (16 experts a stack, a
 * [152064, 64] head in two slabs on two threads), small enough to build in a second or two.
 */
const SMALL_THINKER: SyntheticThinkerShape = { hidden: 64, layers: 2, heads: 4, kvHeads: 1, headDim: 32, mropeSection: [6, 5, 5], experts: 16, topK: 2, expertWidth: 64, vocab: 152064 };
const synthetic = path.join(scratch, 'synthetic');
const outDir = () => path.join(mkdtempSync(path.join(scratch, 'out-')), 'bundle');

/** Threads of this process (Linux): each quantisation worker is one while it lives. */
const threadCount = () => readdirSync('/proc/self/task').length;

/** Whether every item of `few` is in `many`, in the same order. */
function inOrderWithin(few: string[], many: string[]): boolean {
  let found = 0;
  for (const item of many) if (item === few[found]) found++;
  return found === few.length;
}

interface Built {
  /** Every file of the bundle with the sha256 of its bytes, as the manifest lists them. */
  files: string[];
  /** The most threads this process had while the build ran. */
  peakThreads: number;
  /** Each progress report's phase and bytes done. */
  progress: string[];
  /** The most descriptors open on the checkpoint's files while the build read them. */
  peakOpenShards: number;
}

const shardCount = (checkpoint: string) => readdirSync(checkpoint).filter((file) => file.endsWith('.safetensors')).length;

async function build(checkpoint: string, variant: VariantName, threads: number, options: Partial<BuildOptions> = {}): Promise<Built> {
  let peakThreads = threadCount();
  let peakOpenShards = 0;
  const progress: string[] = [];
  const { manifest } = await buildBundle(checkpoint, outDir(), {
    variant,
    threads,
    selfCheck: false,
    onProgress: (p) => {
      peakThreads = Math.max(peakThreads, threadCount());
      peakOpenShards = Math.max(peakOpenShards, openFilesIn(checkpoint));
      progress.push(`${p.phase} ${p.doneBytes}/${p.totalBytes}`);
    },
    ...options,
  });
  return { files: manifest.files.map((f) => `${f.path} ${f.bytes} ${f.sha256}`), peakThreads, progress, peakOpenShards };
}

describe.skipIf(process.platform !== 'linux')('buildBundle on several threads', () => {
  let idle = 0;
  beforeAll(async () => {
    mkdirSync(synthetic);
    await writeSyntheticThinker(synthetic, SMALL_THINKER);
    // A first build starts whatever threads Node keeps for file I/O; what is left after is this process at rest.
    await build(TINY_CHECKPOINT_DIR, 'fp32', 1);
    idle = threadCount();
  });

  it('writes every file byte for byte as one thread does, in both variants, with the same progress; only int4 on ≥ 2 threads starts workers, and none is left', async () => {
    for (const [checkpoint, variant] of [[TINY_CHECKPOINT_DIR, 'fp32'], [TINY_CHECKPOINT_DIR, 'int4'], [synthetic, 'int4']] as const) {
      const one = await build(checkpoint, variant, 1);
      const two = await build(checkpoint, variant, 2);
      const three = await build(checkpoint, variant, 3);
      const label = `${path.basename(checkpoint)} ${variant}`;
      expect(two.files, label).toEqual(one.files);
      expect(three.files, label).toEqual(one.files);
      // The same reads in the same order, only earlier (reading runs ahead), and in smaller slabs: the synthetic
      // head, [152064, 64] fp32 = 39 MB, is read in two slabs of at most 32 MiB on two threads, not one of 64 MiB.
      expect(inOrderWithin(one.progress, two.progress), label).toBe(true);
      expect(two.progress.length - one.progress.length, label).toBe(checkpoint === synthetic ? 1 : 0);
      expect(one.peakThreads, label).toBe(idle);
      // A worker per thread, and none for fp32, which quantises nothing.
      expect(two.peakThreads, label).toBe(variant === 'int4' ? idle + 2 : idle);
      expect(three.peakThreads, label).toBe(variant === 'int4' ? idle + 3 : idle);
      expect(threadCount(), label).toBe(idle);
      // Each shard opened once for the whole build, and closed by its end.
      for (const built of [one, two, three]) expect(built.peakOpenShards, label).toBe(shardCount(checkpoint));
      expect(openFilesIn(checkpoint), label).toBe(0);
    }
  });

  it('stops its workers, closes the shards and removes the partial bundle when a write fails while they quantise', async () => {
    const bundleDir = outDir();
    let chunks = 0;
    const full = (file: string) => writeError(file, Object.assign(new Error('no space'), { code: 'ENOSPC' }));
    async function* fillingUp(file: string, streamed: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
      for await (const chunk of streamed) {
        // The 40th piece of the thinker's weights: in the second layer's fc1, experts in flight on both workers.
        if (++chunks === 40) throw full(file);
        yield chunk;
      }
    }
    const failingDisk = async (file: string) => {
      const writer = await ExternalDataWriter.create(file);
      const thinker = path.basename(file) === 'thinker.onnx.data';
      return {
        append: (bytes: InitializerBytes) =>
          writer.append(!thinker || bytes instanceof Uint8Array ? bytes : { byteLength: bytes.byteLength, chunks: fillingUp(file, bytes.chunks) }),
        close: () => writer.close(),
      };
    };
    await expect(buildBundle(synthetic, bundleDir, { variant: 'int4', threads: 2, selfCheck: false, createDataWriter: failingDisk })).rejects.toMatchObject({
      code: 'DISK_FULL',
      message: expect.stringMatching(/thinker\.onnx\.data: the disk is full$/),
    });
    expect(chunks).toBe(40);
    expect(readdirSync(path.dirname(bundleDir))).toEqual([]);
    expect(threadCount()).toBe(idle);
    expect(openFilesIn(synthetic)).toBe(0);
  });

  it('refuses a thread count that is not a positive whole number, before writing anything', async () => {
    for (const threads of [0, -1, 1.5, Number.NaN]) {
      const bundleDir = outDir();
      await expect(buildBundle(TINY_CHECKPOINT_DIR, bundleDir, { variant: 'int4', threads })).rejects.toMatchObject({
        code: 'INVALID_REQUEST',
        message: `threads must be a positive whole number, not ${threads}`,
      });
      expect(readdirSync(path.dirname(bundleDir))).toEqual([]);
    }
  });
});
