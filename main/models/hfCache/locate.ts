/**
 * Where Hugging Face caches live (huggingface_hub `constants.py`): `HF_HUB_CACHE` (formerly `HUGGINGFACE_HUB_CACHE`),
 * else `$HF_HOME/hub`, with `HF_HOME` defaulting to `$XDG_CACHE_HOME/huggingface` or `~/.cache/huggingface` on every
 * platform. All of them are searched — a user who moved the cache may still have the default one — and only read:
 * a file is reused by linking or copying it out, never by moving it (architecture.md, "Data on disk").
 */
import os from 'node:os';
import path from 'node:path';
import type { RepoId } from '../layout';

export function hfCacheDirs(env: NodeJS.ProcessEnv = process.env, home: string = os.homedir()): string[] {
  const defaultHome = path.join(env.XDG_CACHE_HOME || path.join(home, '.cache'), 'huggingface');
  const candidates = [env.HF_HUB_CACHE, env.HUGGINGFACE_HUB_CACHE, env.HF_HOME && path.join(env.HF_HOME, 'hub'), path.join(defaultHome, 'hub')];
  return [...new Set(candidates.filter((d): d is string => Boolean(d)).map((d) => path.resolve(d)))];
}

/** `models--{org}--{name}`, holding `blobs/<sha256 or git sha1>`, `snapshots/<commit>/…` links and `refs/<branch>`. */
export const repoCacheDir = (cacheDir: string, repo: RepoId) => path.join(cacheDir, `models--${repo.org}--${repo.name}`);
