/** A Hugging Face cache laid out as huggingface_hub writes it: content-named blobs, snapshot symlinks, refs. */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gitBlobSha1, sha256Hex, type FakeRepo } from './fakeRepo';

export interface CacheOptions {
  /** Only these paths are cached (default: all). */
  only?: string[];
  /** These blobs hold different bytes than their name promises. */
  corrupt?: string[];
}

export function writeHfCache(cacheDir: string, repo: FakeRepo, options: CacheOptions = {}): string {
  const [org, name] = repo.id.split('/');
  const root = path.join(cacheDir, `models--${org}--${name}`);
  const snapshot = path.join(root, 'snapshots', repo.commit);
  mkdirSync(path.join(root, 'blobs'), { recursive: true });
  mkdirSync(path.join(root, 'refs'), { recursive: true });
  writeFileSync(path.join(root, 'refs', 'main'), repo.commit);
  for (const file of repo.files.filter((f) => !options.only || options.only.includes(f.path))) {
    const blobName = file.lfs ? sha256Hex(file.content) : gitBlobSha1(file.content);
    const blob = path.join(root, 'blobs', blobName);
    const body = options.corrupt?.includes(file.path) ? Buffer.from(file.content).fill(0, 0, 16) : file.content;
    writeFileSync(blob, body);
    const link = path.join(snapshot, file.path);
    mkdirSync(path.dirname(link), { recursive: true });
    symlinkSync(path.relative(path.dirname(link), blob), link);
  }
  return root;
}
