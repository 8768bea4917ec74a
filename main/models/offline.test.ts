import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { isModelError } from './errors';
import { startFakeHub, type FakeHub } from './testing/fakeHub';
import { tinyCheckpoint } from './testing/fakeRepo';
import { persistentFault } from './testing/faults';
import { writeHfCache } from './testing/hfCacheFixture';
import { expectInstalledExactly, nothingInstalled, pullFrom, tempHome } from './testing/harness';

let hub: FakeHub | undefined;
afterEach(async () => hub?.close());

/** Every way this process could open a socket, each replaced by a spy that refuses. */
function forbidSockets() {
  const refuse = () => {
    throw new Error('offline mode opened a socket');
  };
  return [
    vi.spyOn(net.Socket.prototype, 'connect').mockImplementation(refuse),
    vi.spyOn(net, 'connect').mockImplementation(refuse),
    vi.spyOn(net, 'createConnection').mockImplementation(refuse),
    vi.spyOn(tls, 'connect').mockImplementation(refuse),
    vi.spyOn(http, 'request').mockImplementation(refuse),
    vi.spyOn(https, 'request').mockImplementation(refuse),
    vi.spyOn(http.Agent.prototype, 'createConnection').mockImplementation(refuse),
  ];
}

describe('offline pulls', () => {
  let spies: ReturnType<typeof forbidSockets> = [];
  beforeEach(() => {
    spies = [];
  });
  afterEach(() => {
    for (const spy of spies) spy.mockRestore();
  });

  it('(the guard itself) refuses an http request, a raw socket and an agent connection', () => {
    spies = forbidSockets();
    expect(() => http.get('http://127.0.0.1:9')).toThrow(/opened a socket/);
    expect(() => new net.Socket().connect(9, '127.0.0.1')).toThrow(/opened a socket/);
    expect(() => new http.Agent().createConnection({ port: 9, host: '127.0.0.1' })).toThrow(/opened a socket/);
  });

  it('install a complete Hugging Face cache snapshot without opening a single connection', async () => {
    const repo = tinyCheckpoint();
    const cache = tempHome('hf-cache');
    writeHfCache(cache, repo);
    hub = await startFakeHub({ repos: [repo] });
    const home = tempHome();
    spies = forbidSockets();
    const result = await pullFrom(hub.url, home, repo, { offline: true, hfCacheDirs: [cache] }).run();
    expect(result.commit).toBe(repo.commit);
    expect(hub.stats.connections).toBe(0);
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    expect(expectInstalledExactly(home, repo)).toEqual([]);
  });

  it('say what is missing when an earlier download stopped halfway, again without a connection', async () => {
    const repo = tinyCheckpoint();
    const shard = repo.files.find((f) => f.lfs)!.path;
    hub = await startFakeHub({ repos: [repo], faults: persistentFault(shard, { kind: 'status', status: 503 }) });
    const home = tempHome();
    await expect(pullFrom(hub.url, home, repo).run()).rejects.toThrow(/kept failing/);
    const connectionsBefore = hub.stats.connections;

    spies = forbidSockets();
    const offline = await pullFrom(hub.url, home, repo, { offline: true }).run().catch((e: unknown) => e);
    expect(isModelError(offline, 'NETWORK_OFFLINE')).toBe(true);
    expect((offline as Error).message).toMatch(/^\d file\(s\) of Qwen\/Tiny-Omni \(0\.00\d GB, e\.g\. .+\) are not on this machine, and the pull is offline$/);
    expect(hub.stats.connections).toBe(connectionsBefore);
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    expect(nothingInstalled(home, repo)).toBe(true);
  });

  it('refuse, naming the way out, when nothing of the model is on this machine', async () => {
    const repo = tinyCheckpoint();
    spies = forbidSockets();
    const error = await pullFrom('http://127.0.0.1:9', tempHome(), repo, { offline: true }).run().catch((e: unknown) => e);
    expect(isModelError(error, 'NETWORK_OFFLINE')).toBe(true);
    expect((error as { hint?: string }).hint).toMatch(/without --offline/);
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
  });
});
