/**
 * A Hugging Face Hub look-alike on 127.0.0.1 for tests: the model-info API (`/api/models/{repo}/revision/{rev}`,
 * `siblings` with `blobId`, `size` and `lfs {sha256, size}` under `?blobs=true`), `resolve` URLs (small files served
 * directly with their git blob id as ETag; LFS files redirected with 302 to a CDN on a second origin, with
 * `X-Repo-Commit`, `X-Linked-Etag` and `X-Linked-Size`), HTTP Range, an optional bandwidth cap, and the faults of
 * ./faults.ts. It counts connections and body bytes per server, so tests can prove what was (not) fetched.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { once } from 'node:events';
import { gitBlobSha1, lfsPointer, sha256Hex, type FakeFile, type FakeRepo } from './fakeRepo';
import type { Fault, FaultContext, FaultPlan } from './faults';

export interface FakeHubOptions {
  repos: FakeRepo[];
  faults?: FaultPlan;
  /** Per-response bandwidth cap. */
  bytesPerSecond?: number;
  /** The token a gated repository accepts. */
  token?: string;
}

export interface InjectedFault {
  fault: Fault;
  channel: FaultContext['channel'];
  file: string;
  start: number;
}

export interface FakeHubStats {
  connections: number;
  requests: number;
  /** Body bytes written to sockets (bytes still in kernel buffers when a client vanished included). */
  bodyBytes: number;
  /** Body bytes written per file path. */
  bodyBytesByFile: Map<string, number>;
  faults: InjectedFault[];
  /** Requests that reached the CDN carrying the Hub token. */
  tokenLeaks: number;
}

export interface FakeHub {
  url: string;
  cdnUrl: string;
  stats: FakeHubStats;
  setFaults(plan: FaultPlan | undefined): void;
  setBytesPerSecond(cap: number | undefined): void;
  close(): Promise<void>;
}

interface Located {
  repo: FakeRepo;
  file: FakeFile;
}

const PIECE = 16 * 1024;
const json = (res: http.ServerResponse, status: number, body: unknown, headers: http.OutgoingHttpHeaders = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

function drainedOrClosed(res: http.ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'invalid' | undefined {
  if (!header) return undefined;
  const match = /^bytes=(\d+)-(\d*)$/.exec(header);
  if (!match) return 'invalid';
  const start = Number(match[1]);
  const end = match[2] === '' ? size : Math.min(size, Number(match[2]) + 1);
  return start < size && start < end ? { start, end } : 'invalid';
}

export async function startFakeHub(options: FakeHubOptions): Promise<FakeHub> {
  let faults = options.faults;
  let bytesPerSecond = options.bytesPerSecond;
  const stats: FakeHubStats = { connections: 0, requests: 0, bodyBytes: 0, bodyBytesByFile: new Map(), faults: [], tokenLeaks: 0 };
  const sockets = new Set<Socket>();

  function decide(channel: FaultContext['channel'], file: string, start: number, length: number): Fault | undefined {
    const fault = faults?.({ channel, file, start, length });
    if (fault) stats.faults.push({ fault, channel, file, start });
    return fault;
  }

  const findRepo = (org: string, name: string) => options.repos.find((r) => r.id === `${org}/${name}`);
  const commitOf = (repo: FakeRepo, revision: string) => (revision === repo.commit || repo.branches.includes(revision) ? repo.commit : undefined);
  const authorised = (repo: FakeRepo, req: http.IncomingMessage) => !repo.gated || req.headers.authorization === `Bearer ${options.token}`;

  async function sendBody(req: http.IncomingMessage, res: http.ServerResponse, located: Located, channel: 'resolve' | 'cdn'): Promise<void> {
    const { file } = located;
    const size = file.content.length;
    const range = parseRange(req.headers.range, size);
    if (range === 'invalid') {
      res.writeHead(416, { 'content-range': `bytes */${size}` });
      res.end();
      return;
    }
    const requested = range ?? { start: 0, end: size };
    const fault = decide(channel, file.path, requested.start, requested.end - requested.start);
    if (fault?.kind === 'status') {
      json(res, fault.status, { error: 'injected' });
      return;
    }
    if (fault?.kind === 'redirect') {
      res.writeHead(302, { location: `/hop/${fault.hops}?to=${encodeURIComponent(req.url ?? '/')}` });
      res.end();
      return;
    }
    const { start, end } = fault?.kind === 'ignoreRange' || !range ? { start: 0, end: size } : range;
    const partial = range !== undefined && fault?.kind !== 'ignoreRange';
    const headers: http.OutgoingHttpHeaders = {
      'content-type': 'application/octet-stream',
      'accept-ranges': 'bytes',
      etag: `"${file.lfs ? sha256Hex(file.content) : gitBlobSha1(file.content)}"`,
      'x-repo-commit': located.repo.commit,
      ...(partial ? { 'content-range': `bytes ${start}-${end - 1}/${size}` } : {}),
      ...(fault?.kind === 'short' ? {} : { 'content-length': end - start }),
    };
    res.writeHead(partial ? 206 : 200, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const stopAt = fault && 'at' in fault ? start + fault.at : end;
    for (let at = start; at < end; ) {
      if (res.destroyed) return;
      if (at >= stopAt && fault && fault.kind !== 'corrupt') {
        if (fault.kind === 'reset') res.socket?.resetAndDestroy();
        else if (fault.kind === 'truncate') res.socket?.end();
        else if (fault.kind === 'short') res.end();
        // A stall keeps the connection open and silent until the client gives up.
        return;
      }
      const limit = fault && fault.kind !== 'corrupt' && stopAt > at ? Math.min(end, stopAt) : end;
      let slice = file.content.subarray(at, Math.min(limit, at + PIECE));
      if (fault?.kind === 'corrupt' && stopAt >= at && stopAt < at + slice.length) {
        slice = Buffer.from(slice);
        slice[stopAt - at] ^= 0xff;
      }
      const flushed = res.write(slice);
      stats.bodyBytes += slice.length;
      stats.bodyBytesByFile.set(file.path, (stats.bodyBytesByFile.get(file.path) ?? 0) + slice.length);
      at += slice.length;
      if (!flushed) await drainedOrClosed(res);
      const cap = bytesPerSecond;
      if (cap) await new Promise((r) => setTimeout(r, (slice.length / cap) * 1000));
    }
    res.end();
  }

  const cdn = http.createServer((req, res) => {
    stats.requests++;
    if (req.headers.authorization) {
      stats.tokenLeaks++;
      json(res, 400, { error: 'the Hub token must not be sent to the CDN' });
      return;
    }
    const sha = /^\/lfs\/([0-9a-f]{64})$/.exec(new URL(req.url ?? '/', 'http://x').pathname)?.[1];
    const located = options.repos.flatMap((repo) => repo.files.map((file) => ({ repo, file }))).find((l) => l.file.lfs && sha256Hex(l.file.content) === sha);
    if (!located) return json(res, 404, { error: 'no such object' });
    void sendBody(req, res, located, 'cdn');
  });

  const hub = http.createServer((req, res) => {
    stats.requests++;
    const url = new URL(req.url ?? '/', 'http://x');
    const hop = /^\/hop\/(\d+)$/.exec(url.pathname);
    if (hop) {
      const left = Number(hop[1]) - 1;
      const to = url.searchParams.get('to') ?? '/';
      res.writeHead(302, { location: left > 0 ? `/hop/${left}?to=${encodeURIComponent(to)}` : to });
      res.end();
      return;
    }
    const api = /^\/api\/models\/([^/]+)\/([^/]+)\/revision\/([^/]+)$/.exec(url.pathname);
    if (api) return answerModelInfo(req, res, api[1], api[2], decodeURIComponent(api[3]), url.searchParams.get('blobs') === 'true');
    const resolve = /^\/([^/]+)\/([^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    if (resolve) return answerResolve(req, res, resolve[1], resolve[2], decodeURIComponent(resolve[3]), resolve[4].split('/').map(decodeURIComponent).join('/'));
    json(res, 404, { error: 'not found' });
  });

  function answerModelInfo(req: http.IncomingMessage, res: http.ServerResponse, org: string, name: string, revision: string, blobs: boolean) {
    const repo = findRepo(org, name);
    if (!repo) return json(res, 401, { error: 'Repository not found' }, { 'x-error-code': 'RepoNotFound' });
    if (!authorised(repo, req)) return json(res, 401, { error: 'Access to this model is restricted' }, { 'x-error-code': 'GatedRepo' });
    const commit = commitOf(repo, revision);
    if (!commit) return json(res, 404, { error: 'Invalid rev id' }, { 'x-error-code': 'RevisionNotFound' });
    const body = JSON.stringify({
      id: repo.id,
      modelId: repo.id,
      sha: commit,
      siblings: repo.files.map((f) => ({
        rfilename: f.path,
        ...(blobs
          ? {
              size: f.content.length,
              blobId: gitBlobSha1(f.lfs ? lfsPointer(f.content) : f.content),
              ...(f.lfs ? { lfs: { sha256: sha256Hex(f.content), size: f.content.length, pointerSize: lfsPointer(f.content).length } } : {}),
            }
          : {}),
      })),
    });
    const fault = decide('api', repo.id, 0, body.length);
    if (fault?.kind === 'status') return json(res, fault.status, { error: 'injected' });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    if (!fault) return res.end(body);
    if (fault.kind === 'stall') return;
    res.write(body.slice(0, fault.kind === 'ignoreRange' || fault.kind === 'redirect' ? body.length : fault.at));
    if (fault.kind === 'reset') res.socket?.resetAndDestroy();
    else res.socket?.end();
  }

  function answerResolve(req: http.IncomingMessage, res: http.ServerResponse, org: string, name: string, revision: string, path: string) {
    const repo = findRepo(org, name);
    if (!repo) return json(res, 401, { error: 'Repository not found' }, { 'x-error-code': 'RepoNotFound' });
    if (!authorised(repo, req)) return json(res, 401, { error: 'Access to this model is restricted' }, { 'x-error-code': 'GatedRepo' });
    const commit = commitOf(repo, revision);
    if (!commit) return json(res, 404, { error: 'Invalid rev id' }, { 'x-error-code': 'RevisionNotFound' });
    const file = repo.files.find((f) => f.path === path);
    if (!file) return json(res, 404, { error: 'Entry not found' }, { 'x-error-code': 'EntryNotFound' });
    if (!file.lfs) return void sendBody(req, res, { repo, file }, 'resolve');
    const fault = decide('redirect', file.path, 0, file.content.length);
    if (fault?.kind === 'status') return json(res, fault.status, { error: 'injected' });
    const sha = sha256Hex(file.content);
    const target = `${cdnUrl}/lfs/${sha}`;
    res.writeHead(302, {
      location: fault?.kind === 'redirect' ? `/hop/${fault.hops}?to=${encodeURIComponent(target)}` : target,
      'x-repo-commit': commit,
      'x-linked-etag': `"${sha}"`,
      'x-linked-size': file.content.length,
      etag: `"${gitBlobSha1(lfsPointer(file.content))}"`,
    });
    res.end();
  }

  for (const server of [hub, cdn]) {
    server.on('connection', (socket: Socket) => {
      stats.connections++;
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
  }
  const hubPort = (hub.address() as AddressInfo).port;
  const cdnUrl = `http://127.0.0.1:${(cdn.address() as AddressInfo).port}`;

  return {
    url: `http://127.0.0.1:${hubPort}`,
    cdnUrl,
    stats,
    setFaults: (plan) => {
      faults = plan;
    },
    setBytesPerSecond: (cap) => {
      bytesPerSecond = cap;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await Promise.all([hub, cdn].map((s) => new Promise((r) => s.close(r))));
    },
  };
}
