/**
 * `omnidesk serve <bundle-dir> [--host 127.0.0.1] [--port N] [--token T]`: the OpenAI-compatible local API
 * (cli-contract.md, main/serve/). The first stdout line is the API's URL; a token made up here is printed once, on
 * stderr. A non-loopback --host is allowed with a warning. Ctrl-C stops the reply in flight and closes.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { homePaths, resolveHome } from '../../engine/home';
import { isLoopback } from '../../serve/access';
import { startServer } from '../../serve/server';
import { homeOption, type Command } from '../command';
import { UsageError, type Io } from '../output';

const USAGE = 'omnidesk serve <bundle-dir> [--host 127.0.0.1] [--port N] [--token T]';
const DEFAULT_PORT = 8765;
const TOKEN_BYTES = 32;

export interface ServeCommandOptions {
  bundleDir: string;
  host: string;
  port: number;
  token?: string;
  home?: string;
}

async function serve(io: Io, options: ServeCommandOptions): Promise<void> {
  const nonLoopback = !isLoopback(options.host);
  if (nonLoopback) {
    io.err(`Warning: listening on ${options.host}, not loopback: other machines can reach this API; the token is all that guards it, sent in clear text over HTTP.\n`);
  }
  const scratchDir = await mkdtemp(path.join(os.tmpdir(), 'omnidesk-serve-'));
  const token = options.token ?? randomBytes(TOKEN_BYTES).toString('base64url');
  try {
    io.err(`Loading ${options.bundleDir}\n`);
    const server = await startServer({
      bundleDir: options.bundleDir,
      host: options.host,
      port: options.port,
      token,
      stateDir: homePaths(resolveHome(options.home)).state,
      scratchDir,
      allowNonLoopback: nonLoopback,
    });
    io.out(`${server.url}\n`);
    if (options.token === undefined) io.err(`API token (send as "Authorization: Bearer <token>"): ${token}\n`);
    io.err(`Serving model "${server.model}"; Ctrl-C stops.\n`);
    // Only the first signal is ours: a second Ctrl-C during the close ends the process the usual way.
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      const stop = (name: NodeJS.Signals) => {
        process.off('SIGINT', stop).off('SIGTERM', stop);
        resolve(name);
      };
      process.on('SIGINT', stop).on('SIGTERM', stop);
    });
    io.err(`${signal}: closing\n`);
    await server.close();
  } finally {
    await rm(scratchDir, { recursive: true, force: true });
  }
}

function port(value: unknown): number {
  if (value === undefined) return DEFAULT_PORT;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError('serve: --port takes a port number from 0 to 65535 (0 picks a free one)');
  return n;
}

export const serveCommand: Command = {
  usage: USAGE,
  summary:
    'Serve a bundle as an OpenAI-compatible API (GET /v1/models, POST /v1/chat/completions with text, image, audio and video in, ' +
    `text and speech out, streamed or not) on 127.0.0.1:${DEFAULT_PORT}; every request needs the token (--token, else one is generated and printed on stderr)`,
  options: {
    ...homeOption,
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string' },
    token: { type: 'string' },
  },
  positionals: 1,
  run: (io, values, [bundleDir]) => {
    if (bundleDir === undefined) throw new UsageError(`serve: give the bundle directory (usage: ${USAGE})`);
    const token = values.token as string | undefined;
    if (token !== undefined && !/^\S{16,}$/.test(token)) throw new UsageError('serve: --token takes at least 16 characters without spaces');
    return serve(io, { bundleDir, host: values.host as string, port: port(values.port), token, home: values.home as string | undefined });
  },
};
