import { afterEach, describe, expect, it } from 'vitest';
import { statSync } from 'node:fs';
import path from 'node:path';
import { homePaths } from '../../engine/home';
import { checkpointDir, parseRepoId } from '../layout';
import { startFakeHub, type FakeHub } from '../testing/fakeHub';
import { sha256Hex, tinyCheckpoint } from '../testing/fakeRepo';
import { writeHfCache } from '../testing/hfCacheFixture';
import { expectInstalledExactly, pullFrom, tempHome } from '../testing/harness';
import { hfCacheDirs } from './locate';

let hub: FakeHub | undefined;
afterEach(async () => hub?.close());

describe('reusing a Hugging Face cache', () => {
  it('looks where huggingface_hub writes: HF_HUB_CACHE, HF_HOME/hub, then the default cache folder', () => {
    expect(hfCacheDirs({ HF_HUB_CACHE: '/a', HF_HOME: '/h' }, '/home/ada')).toEqual(['/a', '/h/hub', '/home/ada/.cache/huggingface/hub']);
    expect(hfCacheDirs({ XDG_CACHE_HOME: '/xdg' }, '/home/ada')).toEqual(['/xdg/huggingface/hub']);
  });

  it('hard-links verified cached files instead of downloading them, and downloads only the rest', async () => {
    const repo = tinyCheckpoint();
    const [first, second] = repo.files.filter((f) => f.lfs);
    const cache = tempHome('hf-cache');
    const cached = writeHfCache(cache, repo, { only: [first.path, second.path, 'config.json'] });
    hub = await startFakeHub({ repos: [repo] });
    const home = tempHome();
    const result = await pullFrom(hub.url, home, repo, { hfCacheDirs: [cache] }).run();

    expect(result.reusedBytes).toBe(first.content.length + second.content.length + repo.files.find((f) => f.path === 'config.json')!.content.length);
    expect(hub.stats.bodyBytesByFile.has(first.path) || hub.stats.bodyBytesByFile.has(second.path)).toBe(false);
    expect(expectInstalledExactly(home, repo)).toEqual([]);
    const installed = statSync(path.join(checkpointDir(homePaths(home).models, parseRepoId(repo.id), repo.commit), first.path));
    const blob = statSync(path.join(cached, 'blobs', sha256Hex(first.content)));
    expect({ ino: installed.ino, links: installed.nlink }).toEqual({ ino: blob.ino, links: 2 });
  });

  it('skips a cached blob that does not match its name, fetches that file, and leaves the cache as it was', async () => {
    const repo = tinyCheckpoint();
    const shard = repo.files.find((f) => f.lfs)!;
    const cache = tempHome('hf-cache');
    const cached = writeHfCache(cache, repo, { corrupt: [shard.path] });
    const blob = path.join(cached, 'blobs', sha256Hex(shard.content));
    const before = statSync(blob);
    hub = await startFakeHub({ repos: [repo] });
    const home = tempHome();
    const result = await pullFrom(hub.url, home, repo, { hfCacheDirs: [cache] }).run();
    expect(hub.stats.bodyBytesByFile.get(shard.path)).toBe(shard.content.length);
    expect(result.reusedBytes).toBe(repo.files.reduce((s, f) => s + f.content.length, 0) - shard.content.length);
    expect(expectInstalledExactly(home, repo)).toEqual([]);
    expect(statSync(blob)).toMatchObject({ size: before.size, mtimeMs: before.mtimeMs, nlink: 1 });
  });
});
