/**
 * Browser preview mode: the built renderer and the engine behind one loopback HTTP server, so the app runs in a
 * plain browser (development, e2e tests) where no Electron binary exists. The WebSocket bridge stands in for the
 * preload and is as closed as the desktop app's IPC: bound to 127.0.0.1 only, the page must come from this very
 * origin and present the random per-run token, which the URL carries in its fragment (never sent in requests).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WebSocketServer } from 'ws';
import { createHandlers } from '../ipc/handlers';
import { openServices, type ServicesOptions } from '../ipc/services';
import { EnvTokenStore } from '../models/token/tokenStore';
import { MemoryApiKeys } from '../store/apiKeys';
import { EngineSupervisor } from '../engine/host/supervisor';
import { forkLauncher } from '../engine/host/forkLauncher';
import { APP_NAME, homePaths, resolveHome } from '../engine/home';
import { staticHandler } from './static';
import { startSession } from './session';
import { WIRE_LIMITS } from './wire';

export const BRIDGE_PATH = '/bridge';
/** The model build process, run from its TypeScript source like the engine (the app runs the built out/main/builder.js). */
const BUILD_PROCESS_ENTRY = fileURLToPath(new URL('../models/build/buildProcess.ts', import.meta.url));
const HOST = '127.0.0.1';
const TOKEN_BYTES = 32;

export interface PreviewServerOptions {
  /** The built renderer, normally out/renderer. */
  rendererDir: string;
  /** 0 or absent picks a free port. */
  port?: number;
  /** The data folder (models, conversations, settings, engine state); defaults like the desktop app's. */
  home?: string;
  /** For tests: another model catalog, Hub endpoint and download tuning. */
  models?: Pick<ServicesOptions, 'catalog' | 'endpoint' | 'tuning'>;
}

export interface PreviewServer {
  /** Open this in a browser: the origin plus `#token=…`. */
  url: string;
  origin: string;
  token: string;
  /** Stops the server and the engine it owns. */
  close(): Promise<void>;
}

async function appVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export async function startPreviewServer(options: PreviewServerOptions): Promise<PreviewServer> {
  const rendererDir = path.resolve(options.rendererDir);
  if (!existsSync(path.join(rendererDir, 'index.html'))) {
    throw new Error(`No built renderer at ${rendererDir}: run "npx electron-vite build" first`);
  }
  const paths = homePaths(resolveHome(options.home));
  const token = randomBytes(TOKEN_BYTES);
  const tokenText = token.toString('base64url');

  const http = createServer();
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, HOST, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const { port } = http.address() as AddressInfo;
  const host = `${HOST}:${port}`;
  const origin = `http://${host}`;

  const engine = new EngineSupervisor({ launch: forkLauncher({ env: { OMNIDESK_HOME: paths.home } }) });
  engine.start();
  const services = openServices({
    ...options.models,
    home: paths.home,
    engine,
    launchBuild: forkLauncher({ entry: BUILD_PROCESS_ENTRY, env: { OMNIDESK_HOME: paths.home } }),
    token: () => new EnvTokenStore().get(),
    // No OS key store behind a browser tab: API keys live as long as this server, never on disk.
    apiKeys: new MemoryApiKeys(),
  });
  const app = { name: APP_NAME, version: await appVersion() };
  // No folder picker in a browser tab: exports go to the data folder, and the page shows where.
  const exportFolder = async () => path.join(paths.home, 'exports');
  const handlers = (openStream: (nonce: string) => void) =>
    createHandlers({ engine, services, shell: 'preview', app, openStream, exportFolder });

  const serveFile = staticHandler(rendererDir);
  // A Host check too: a DNS-rebound name resolving to 127.0.0.1 must not be able to read anything.
  http.on('request', (req, res) => {
    if (req.headers.host !== host) {
      res.writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Forbidden host');
      return;
    }
    void serveFile(req, res);
  });

  const isAllowed = (req: IncomingMessage): boolean => {
    const url = new URL(req.url ?? '/', origin);
    if (url.pathname !== BRIDGE_PATH || req.headers.host !== host || req.headers.origin !== origin) return false;
    const offered = Buffer.from(url.searchParams.get('token') ?? '', 'base64url');
    return offered.length === TOKEN_BYTES && timingSafeEqual(offered, token);
  };
  const wss = new WebSocketServer({ noServer: true, maxPayload: WIRE_LIMITS.frameBytes });
  http.on('upgrade', (req, socket, head) => {
    // The HTTP server stops watching an upgraded socket; a reset must not become an uncaught 'error'.
    socket.on('error', () => socket.destroy());
    if (!isAllowed(req)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => startSession(ws, { engine, handlers, forward: services.forward }));
  });

  return {
    url: `${origin}/#token=${tokenText}`,
    origin,
    token: tokenText,
    close: async () => {
      wss.clients.forEach((client) => client.terminate());
      engine.stop();
      await services.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
