/**
 * Test helper: `startServer` on the tiny bundle in a scratch folder, and the official OpenAI client pointed at it
 * (no retries, so a 429 or a 5xx is seen as it is).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { buildTinyBundle } from '../engine/testing/tinyBundle';
import { startServer, type RunningServer, type ServeLimits } from './server';

export const TEST_TOKEN = 'test-token-0123456789abcdef';

export interface TestServer {
  server: RunningServer;
  client: OpenAI;
  bundleDir: string;
  close(): Promise<void>;
}

export async function startTestServer(limits: Partial<ServeLimits> = {}): Promise<TestServer> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'omnidesk-serve-'));
  const bundleDir = await buildTinyBundle(scratch);
  const server = await startServer({ bundleDir, token: TEST_TOKEN, stateDir: path.join(scratch, 'state'), scratchDir: scratch }, limits);
  return {
    server,
    bundleDir,
    client: new OpenAI({ baseURL: server.url, apiKey: TEST_TOKEN, maxRetries: 0 }),
    close: async () => {
      await server.close();
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}
