/**
 * Starts the engine as a forked Node child running the TypeScript sources through tsx: the engine host of the
 * preview server and the tests. Electron uses a utilityProcess instead.
 */
import { fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runBelowNormal } from './priority';
import type { EngineLauncher } from './supervisor';

export const ENGINE_ENTRY = fileURLToPath(new URL('../process.ts', import.meta.url));

export interface ForkLauncherOptions {
  entry?: string;
  env?: NodeJS.ProcessEnv;
}

export function forkLauncher(options: ForkLauncherOptions = {}): EngineLauncher {
  const entry = options.entry ?? ENGINE_ENTRY;
  return () => {
    const child = fork(entry, [], {
      execArgv: ['--import', 'tsx'],
      // 'advanced' keeps ArrayBuffers and typed arrays intact across the channel (structured clone).
      serialization: 'advanced',
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    runBelowNormal(child.pid, path.basename(entry));
    return {
      post: (message) => {
        if (child.connected) child.send(message);
      },
      onMessage: (listener) => child.on('message', listener),
      onExit: (listener) =>
        child.once('exit', (code, signal) =>
          listener({ code, reason: signal ? `was killed by ${signal}` : `exited with code ${code}` }),
        ),
      kill: () => {
        child.kill('SIGKILL');
      },
    };
  };
}
