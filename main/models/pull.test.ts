import { afterEach, describe, expect, it } from 'vitest';
import { startFakeHub, type FakeHub } from './testing/fakeHub';
import { tinyCheckpoint } from './testing/fakeRepo';
import { expectInstalledExactly, pullFrom, tempHome } from './testing/harness';

let hub: FakeHub | undefined;
afterEach(async () => hub?.close());

describe('pull', () => {
  it('installs every file of a revision, verified, with the token kept away from the CDN', async () => {
    const repo = tinyCheckpoint('Qwen/Tiny-Omni', { gated: true });
    hub = await startFakeHub({ repos: [repo], token: 'hf_secret' });
    const home = tempHome();
    const pull = pullFrom(hub.url, home, repo, { access: { endpoint: hub.url, token: 'hf_secret' } });
    const result = await pull.run();
    expect(result).toMatchObject({ commit: repo.commit, alreadyInstalled: false });
    expect(expectInstalledExactly(home, repo)).toEqual([]);
    expect(hub.stats.tokenLeaks).toBe(0);
    expect(await pullFrom(hub.url, home, repo, { access: { endpoint: hub.url, token: 'hf_secret' } }).run()).toMatchObject({ alreadyInstalled: true });
  });
});
