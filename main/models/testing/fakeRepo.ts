/** Small repositories with deterministic contents, and the digests the Hub would list for them. */
import { createCipheriv, createHash } from 'node:crypto';

export interface FakeFile {
  path: string;
  content: Buffer;
  /** Stored with Git LFS on the Hub: listed with `lfs.sha256` and served through a CDN redirect. */
  lfs: boolean;
}

export interface FakeRepo {
  id: string;
  commit: string;
  /** Branch names that resolve to `commit`. */
  branches: string[];
  files: FakeFile[];
  /** Needs `Authorization: Bearer <token>`. */
  gated?: boolean;
}

/** AES-CTR over zeros: megabytes of reproducible, incompressible bytes in milliseconds. */
export function pseudoRandomBytes(seed: string, size: number): Buffer {
  const key = createHash('sha256').update(seed).digest();
  return createCipheriv('aes-256-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(size));
}

export const sha256Hex = (body: Buffer) => createHash('sha256').update(body).digest('hex');
export const gitBlobSha1 = (body: Buffer) => createHash('sha1').update(`blob ${body.length}\0`).update(body).digest('hex');

/** What git stores for an LFS file, and so what the Hub's `blobId` of an LFS file is the hash of. */
export const lfsPointer = (body: Buffer) =>
  Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${sha256Hex(body)}\nsize ${body.length}\n`);

/** A file given by its size (pseudo-random bytes) or by its text. */
export type FileSpec = { path: string; lfs?: boolean } & ({ size: number } | { text: string });

/** A checkpoint-shaped repository: small JSON files in git, larger shards in LFS. */
export function makeRepo(id: string, specs: FileSpec[], options: { seed?: string; gated?: boolean } = {}): FakeRepo {
  const seed = options.seed ?? id;
  const files = specs.map((s) => {
    const content = 'text' in s ? Buffer.from(s.text) : pseudoRandomBytes(`${seed}/${s.path}`, s.size);
    return { path: s.path, content, lfs: s.lfs ?? content.length > 100_000 };
  });
  const commit = createHash('sha1').update(`${seed}:${files.map((f) => sha256Hex(f.content)).join(',')}`).digest('hex');
  return { id, commit, branches: ['main'], files, gated: options.gated };
}

/** A repository shaped like a sharded checkpoint, of a few MB unless `shardBytes` says otherwise. */
export function tinyCheckpoint(id = 'Qwen/Tiny-Omni', options: { seed?: string; shardBytes?: number[]; gated?: boolean } = {}): FakeRepo {
  const shardBytes = options.shardBytes ?? [1_500_000, 2_500_000, 700_000];
  const shards = shardBytes.map((size, i) => ({ path: `model-${String(i + 1).padStart(5, '0')}-of-${String(shardBytes.length).padStart(5, '0')}.safetensors`, size }));
  const weightMap = Object.fromEntries(shards.map((s, i) => [`layers.${i}.weight`, s.path]));
  return makeRepo(
    id,
    [
      { path: 'config.json', text: JSON.stringify({ architectures: ['Qwen3OmniMoeForConditionalGeneration'] }) },
      { path: 'tokenizer.json', size: 60_000 },
      ...shards,
      { path: 'model.safetensors.index.json', text: JSON.stringify({ metadata: { total_size: 0 }, weight_map: weightMap }) },
    ],
    options,
  );
}
