import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { homePaths } from '../../engine/home';
import { isModelError } from '../errors';
import { startFakeHub, type FakeHub } from '../testing/fakeHub';
import { tinyCheckpoint } from '../testing/fakeRepo';
import { expectInstalledExactly, nothingInstalled, pullFrom, tempHome, testTuning } from '../testing/harness';
import { bytesDone, type Journal } from './journal';

const child = fileURLToPath(new URL('../testing/pullChild.ts', import.meta.url));
const until = async (condition: () => boolean, what: string, timeoutMs = 20_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

let hub: FakeHub | undefined;
afterEach(async () => hub?.close());

describe('resuming a download', () => {
  it('reuses ≥ 95 % of the bytes fetched before the downloading process was killed with SIGKILL', async () => {
    const repo = tinyCheckpoint('Qwen/Tiny-Omni', { shardBytes: [6e6, 6e6, 6e6, 6e6] });
    const total = repo.files.reduce((sum, f) => sum + f.content.length, 0);
    hub = await startFakeHub({ repos: [repo], bytesPerSecond: 2e6 });
    const home = tempHome('sigkill');
    const process1 = spawn(process.execPath, ['--import', 'tsx', child, hub.url, home, repo.id], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    process1.stderr.on('data', (d) => (stderr += d));
    await until(() => hub!.stats.bodyBytes >= total / 2 || process1.exitCode !== null, 'half the bytes');
    expect(stderr).toBe('');
    process1.kill('SIGKILL');
    await once(process1, 'exit');
    const fetchedBeforeKill = hub.stats.bodyBytes;
    expect(nothingInstalled(home, repo)).toBe(true);

    hub.setBytesPerSecond(undefined);
    const result = await pullFrom(hub.url, home, repo).run();
    const fetchedAfter = hub.stats.bodyBytes - fetchedBeforeKill;
    const fetchedTwice = fetchedBeforeKill + fetchedAfter - total;
    const reused = 1 - fetchedTwice / fetchedBeforeKill;
    console.info(
      `SIGKILL after ${(fetchedBeforeKill / 1e6).toFixed(2)} MB of ${(total / 1e6).toFixed(1)} MB: ${(fetchedAfter / 1e6).toFixed(2)} MB fetched on restart, ` +
        `${(fetchedTwice / 1e3).toFixed(0)} kB twice → ${(reused * 100).toFixed(1)} % reused; ${(result.download!.hashedReadBack / 1e6).toFixed(2)} MB rehashed from disk`,
    );
    expect(reused).toBeGreaterThanOrEqual(0.95);
    expect(expectInstalledExactly(home, repo)).toEqual([]);
  });

  it('commits the journal on pause, so an app quitting right after loses nothing', async () => {
    const repo = tinyCheckpoint('Qwen/Tiny-Omni', { shardBytes: [3e6, 3e6] });
    const total = repo.files.reduce((sum, f) => sum + f.content.length, 0);
    hub = await startFakeHub({ repos: [repo], bytesPerSecond: 4e6 });
    const home = tempHome('pause');
    const pull = pullFrom(hub.url, home, repo, { tuning: { ...testTuning(), journalIntervalMs: 60_000, liveJournalIntervalMs: 60_000 } });
    void pull.run().catch(() => undefined);
    await until(() => hub!.stats.bodyBytes >= total / 3, 'a third of the bytes');
    await pull.pause();
    const [staging] = readdirSync(homePaths(home).downloads);
    const journal = JSON.parse(readFileSync(path.join(homePaths(home).downloads, staging, 'journal.json'), 'utf8')) as Journal;
    const counted = journal.files.reduce((sum, f) => sum + bytesDone(f), 0);
    // Only bytes still in socket buffers when the transfers were aborted are missing from the count.
    expect(counted).toBeGreaterThan(hub.stats.bodyBytes - 300_000);
    await pull.cancel();
  });

  it('resumes in place after a pause, and a cancel removes everything it fetched', async () => {
    const repo = tinyCheckpoint('Qwen/Tiny-Omni', { shardBytes: [3e6, 3e6] });
    const total = repo.files.reduce((sum, f) => sum + f.content.length, 0);
    hub = await startFakeHub({ repos: [repo], bytesPerSecond: 4e6 });
    const home = tempHome('cancel');

    const paused = pullFrom(hub.url, home, repo);
    const finished = paused.run();
    await until(() => hub!.stats.bodyBytes >= total / 3, 'a third of the bytes');
    await paused.pause();
    paused.resume();
    await finished;
    expect(expectInstalledExactly(home, repo)).toEqual([]);

    const other = tinyCheckpoint('Qwen/Other-Omni', { shardBytes: [3e6, 3e6] });
    await hub.close();
    hub = await startFakeHub({ repos: [other], bytesPerSecond: 4e6 });
    const cancelled = pullFrom(hub.url, home, other);
    const outcome = cancelled.run().catch((error: unknown) => error);
    await until(() => hub!.stats.bodyBytes >= total / 3, 'a third of the bytes');
    await cancelled.cancel();
    expect(isModelError(await outcome, 'CANCELLED')).toBe(true);
    expect(nothingInstalled(home, other)).toBe(true);
    expect(readdirSync(homePaths(home).downloads)).toEqual([]);
    expect(existsSync(homePaths(home).downloads)).toBe(true);
  });
});
