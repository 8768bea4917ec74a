import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { homePaths } from '../../engine/home';
import { isModelError } from '../errors';
import { HashWorker } from '../hash/hashWorker';
import { startFakeHub, type FakeHub } from '../testing/fakeHub';
import { gitBlobSha1, sha256Hex, tinyCheckpoint } from '../testing/fakeRepo';
import { persistentFault } from '../testing/faults';
import { expectInstalledExactly, pullFrom, tempHome } from '../testing/harness';
import { recheckStaged } from './staging';
import type { Journal } from './journal';

let hub: FakeHub | undefined;
afterEach(async () => hub?.close());

const journalOf = (files: { path: string; content: Buffer; lfs: boolean }[]): Journal => ({
  version: 1,
  repo: 'Qwen/Tiny-Omni',
  revision: 'main',
  commit: 'c'.repeat(40),
  endpoint: 'http://hub',
  segmentBytes: 1024,
  files: files.map((f) => ({
    path: f.path,
    size: f.content.length,
    digest: f.lfs ? { algorithm: 'sha256', hex: sha256Hex(f.content) } : { algorithm: 'git-sha1', hex: gitBlobSha1(f.content) },
    done: [],
  })),
});

describe('a staging folder left by an earlier run', () => {
  it('detects a completed file that was altered on disk since, and fetches it again', async () => {
    const repo = tinyCheckpoint();
    const [victim, blocked] = repo.files.filter((f) => f.lfs);
    hub = await startFakeHub({ repos: [repo], faults: persistentFault(blocked.path, { kind: 'status', status: 503 }) });
    const home = tempHome();
    await expect(pullFrom(hub.url, home, repo).run()).rejects.toThrow(/kept failing/);
    const [staging] = readdirSync(homePaths(home).downloads);
    const staged = path.join(homePaths(home).downloads, staging, 'checkpoint', victim.path);
    const servedBefore = hub.stats.bodyBytesByFile.get(victim.path);
    expect(servedBefore).toBe(victim.content.length);
    writeFileSync(staged, Buffer.alloc(victim.content.length, 7));

    hub.setFaults(undefined);
    await pullFrom(hub.url, home, repo).run();
    expect(hub.stats.bodyBytesByFile.get(victim.path)).toBe(2 * victim.content.length);
    expect(expectInstalledExactly(home, repo)).toEqual([]);
  });

  it('adopts a file that reached its final name just before a crash, and trusts unchanged verified files', async () => {
    const repo = tinyCheckpoint();
    const root = tempHome('staging');
    const journal = journalOf(repo.files.slice(0, 2));
    const [renamed, untouched] = repo.files.slice(0, 2).map((f) => path.join(root, f.path));
    mkdirSync(root, { recursive: true });
    writeFileSync(renamed, repo.files[0].content);
    writeFileSync(untouched, 'not what the journal verified');
    utimesSync(untouched, 1_000, 1_000);
    journal.files[1].verified = { size: 'not what the journal verified'.length, mtimeMs: 1_000_000 };
    const hasher = new HashWorker();
    try {
      expect(await recheckStaged(journal, root, hasher)).toEqual([]);
      expect(journal.files.map((f) => Boolean(f.verified))).toEqual([true, true]);
    } finally {
      await hasher.close();
    }
  });

  it('refuses a second pull of the same revision while the first is running', async () => {
    const repo = tinyCheckpoint('Qwen/Tiny-Omni', { shardBytes: [2e6] });
    hub = await startFakeHub({ repos: [repo], bytesPerSecond: 2e6 });
    const home = tempHome();
    const first = pullFrom(hub.url, home, repo);
    const running = first.run();
    while (hub.stats.bodyBytes === 0) await new Promise((r) => setTimeout(r, 5));
    const second = await pullFrom(hub.url, home, repo).run().catch((e: unknown) => e);
    expect(isModelError(second, 'DOWNLOAD_BUSY')).toBe(true);
    expect((second as Error).message).toMatch(/already being downloaded by process \d+ \(this one\)/);
    hub.setBytesPerSecond(undefined);
    await running;
  });
});
