import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { homePaths } from '../../engine/home';
import { ModelError } from '../errors';
import { startFakeHub, type FakeHub } from '../testing/fakeHub';
import { tinyCheckpoint, type FakeRepo } from '../testing/fakeRepo';
import { persistentFault, seededFaults, type FaultPlan } from '../testing/faults';
import { expectInstalledExactly, nothingInstalled, pullFrom, tempHome, testTuning } from '../testing/harness';
import type { PullOptions } from '../pull';

interface Outcome {
  faults: number;
  result: 'installed' | ModelError;
}

/** One pull against a hub with `plan`; checks the invariant every run must satisfy, whatever happened. */
async function pullUnder(plan: FaultPlan | undefined, repo: FakeRepo, options: { seed: string; overrides?: (hub: FakeHub) => Partial<PullOptions> }): Promise<Outcome> {
  const hub = await startFakeHub({ repos: [repo], faults: plan, token: 'hf_ok' });
  const home = tempHome('faults');
  try {
    await pullFrom(hub.url, home, repo, { tuning: testTuning(options.seed), ...options.overrides?.(hub) }).run();
    expect(expectInstalledExactly(home, repo)).toEqual([]);
    return { faults: hub.stats.faults.length, result: 'installed' };
  } catch (error) {
    if (!(error instanceof ModelError)) throw error;
    expect(error.hint, error.message).toBeTruthy();
    expect(nothingInstalled(home, repo)).toBe(true);
    // Never a partial install: at most a staging folder that the next run resumes.
    const downloads = homePaths(home).downloads;
    if (existsSync(downloads)) for (const dir of readdirSync(downloads)) expect(readdirSync(`${downloads}/${dir}`)).toContain('journal.json');
    return { faults: hub.stats.faults.length, result: error };
  } finally {
    await hub.close();
  }
}

describe('downloads under injected faults', () => {
  it('end every run with a verified install or a clear error, never a partial one (≥ 50 faults, seeded)', async () => {
    const outcomes: Outcome[] = [];
    // Two runs at a time: most of a run is waiting out stalls and back-off.
    for (let run = 0; run < 14; run += 2) {
      const pair = [run, run + 1].map((r) => {
        const repo = tinyCheckpoint('Qwen/Tiny-Omni', { seed: `repo-${r}` });
        return pullUnder(seededFaults(`faults-${r}`, 0.3, { blockBytes: testTuning().segmentBytes }), repo, { seed: `run-${r}` });
      });
      outcomes.push(...(await Promise.all(pair)));
    }
    const faults = outcomes.reduce((sum, o) => sum + o.faults, 0);
    const errors = outcomes.flatMap((o) => (o.result === 'installed' ? [] : [o.result.reason]));
    console.info(`random faults: ${faults} injected over ${outcomes.length} runs → ${outcomes.length - errors.length} verified installs, clear errors: ${errors.join(', ') || 'none'}`);
    expect(faults).toBeGreaterThanOrEqual(50);
    // At a 30 % fault rate almost every run recovers; the rare error is a file corrupted in transit three times over.
    expect(errors.length).toBeLessThanOrEqual(2);
    for (const reason of errors) expect(['CHECKSUM_MISMATCH', 'DOWNLOAD_FAILED']).toContain(reason);
  });

  it('stop with an error that names the file and the next step when a fault persists', async () => {
    const shard = 'model-00001-of-00003.safetensors';
    const stall = persistentFault(shard, { kind: 'stall', at: 10 });
    const cases: { plan?: FaultPlan; reason: string; expect: RegExp; gated?: boolean; overrides?: Partial<PullOptions> }[] = [
      { plan: persistentFault(shard, { kind: 'corrupt', at: 1234 }), reason: 'CHECKSUM_MISMATCH', expect: new RegExp(`${shard}.*did not match`) },
      { plan: persistentFault(shard, { kind: 'status', status: 503 }), reason: 'DOWNLOAD_FAILED', expect: new RegExp(`${shard}.*kept failing.*HTTP 503`) },
      { plan: stall, reason: 'DOWNLOAD_FAILED', expect: /kept failing.*no data for 200 ms/ },
      { plan: persistentFault(shard, { kind: 'redirect', hops: 9 }, 'redirect'), reason: 'DOWNLOAD_FAILED', expect: /kept failing.*more than 5 redirects/ },
      { plan: persistentFault(shard, { kind: 'short', at: 100 }), reason: 'DOWNLOAD_FAILED', expect: /kept failing.*body ended after/ },
      { plan: persistentFault('Qwen/Tiny-Omni', { kind: 'status', status: 500 }, 'api'), reason: 'DOWNLOAD_FAILED', expect: /Could not list the files of Qwen\/Tiny-Omni@main.*HTTP 500/ },
      { gated: true, reason: 'AUTH_REQUIRED', expect: /refused access.*GatedRepo/ },
      { reason: 'REPO_NOT_FOUND', expect: /Qwen\/Elsewhere@main: not found.*RepoNotFound/, overrides: { repo: 'Qwen/Elsewhere' } },
      {
        reason: 'DOWNLOAD_FAILED',
        expect: /Could not list the files.*ECONNREFUSED/,
        overrides: { access: { endpoint: 'http://127.0.0.1:9', retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 1 } } },
      },
    ];
    // Generous stall and listing timeouts (but for the stall case), so a busy machine cannot turn a 503 into a stall.
    const outcomes = await Promise.all(
      cases.map((c) =>
        pullUnder(c.plan, tinyCheckpoint('Qwen/Tiny-Omni', { gated: c.gated }), {
          seed: c.reason,
          overrides: (hub) => ({
            tuning: { ...testTuning(c.reason), stallMs: c.plan === stall ? 200 : 2_000 },
            access: { endpoint: hub.url, retry: { attempts: 6, baseDelayMs: 2, maxDelayMs: 20 }, timeoutMs: 2_000 },
            ...c.overrides,
          }),
        }),
      ),
    );
    outcomes.forEach((outcome, i) => {
      expect(outcome.result).toBeInstanceOf(ModelError);
      const error = outcome.result as ModelError;
      expect({ reason: error.reason, message: error.message }).toMatchObject({ reason: cases[i].reason, message: expect.stringMatching(cases[i].expect) });
    });
    console.info(`persistent faults: ${outcomes.reduce((s, o) => s + o.faults, 0)} injected over ${cases.length} runs → ${cases.length} clear errors`);
  });

  it('detect a file whose bytes were altered in transit and fetch it again', async () => {
    const repo = tinyCheckpoint('Qwen/Tiny-Omni', { seed: 'corrupt-once' });
    const shard = repo.files.find((f) => f.lfs)!;
    let corrupted = false;
    const once: FaultPlan = (r) => {
      if (corrupted || r.channel !== 'cdn' || r.file !== shard.path || r.start !== 0) return undefined;
      corrupted = true;
      return { kind: 'corrupt', at: 77 };
    };
    const hub = await startFakeHub({ repos: [repo], faults: once });
    const home = tempHome('corrupt');
    try {
      const result = await pullFrom(hub.url, home, repo).run();
      expect(result.download?.checksumFailures).toBe(1);
      expect(hub.stats.bodyBytesByFile.get(shard.path)).toBe(2 * shard.content.length);
      expect(expectInstalledExactly(home, repo)).toEqual([]);
    } finally {
      await hub.close();
    }
  });
});
