/**
 * The engine as an Electron utilityProcess: a Node process of its own, so onnxruntime crashes and memory blow-ups
 * end it and not the window, and it can take MessagePortMain objects for the renderer's direct streams.
 */
import type { App, Details, MessagePortMain, UtilityProcess } from 'electron';
import { runBelowNormal, type PriorityControl } from '../engine/host/priority';
import type { EngineExit, EngineLauncher } from '../engine/host/supervisor';

export const ENGINE_SERVICE_NAME = 'Omnidesk Engine';
/** The model build process (main/models/build/buildProcess.ts), launched the same way. */
export const BUILDER_SERVICE_NAME = 'Omnidesk Model Builder';

/** Variables that would let the environment inject code into, or change the loading of, the engine. */
const DANGEROUS_ENV = ['NODE_OPTIONS', 'NODE_PATH', 'NODE_REPL_EXTERNAL_MODULE', 'ELECTRON_RUN_AS_NODE', 'ELECTRON_NO_ASAR'];

export function engineEnv(env: NodeJS.ProcessEnv, home: string): Record<string, string> {
  const clean: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && !DANGEROUS_ENV.includes(key.toUpperCase())) clean[key] = value;
  }
  // The engine resolves its data folder itself; this makes it the app's, whatever the CLI defaults say.
  clean.OMNIDESK_HOME = home;
  return clean;
}

const GONE_REASONS: Record<Details['reason'], (code: number) => string> = {
  'clean-exit': (code) => `exited with code ${code}`,
  'abnormal-exit': (code) => `exited abnormally with code ${code}`,
  killed: () => 'was killed',
  crashed: (code) => `crashed (exit code ${code})`,
  oom: () => 'ran out of memory',
  'launch-failed': (code) => `failed to launch (error ${code})`,
  'integrity-failure': () => 'failed a code integrity check',
  'memory-eviction': () => 'was ended by the system to free memory',
};

export const goneExit = (details: Pick<Details, 'reason' | 'exitCode'>): EngineExit => ({
  code: details.exitCode,
  reason: GONE_REASONS[details.reason](details.exitCode),
});

type Fork = (modulePath: string, args: string[], options: Electron.ForkOptions) => UtilityProcess;

export interface UtilityLauncherOptions {
  fork: Fork;
  app: Pick<App, 'on' | 'removeListener'>;
  entry: string;
  home: string;
  env?: NodeJS.ProcessEnv;
  /** Names the process in crash reports; each kind of child needs its own to be told apart. */
  serviceName?: string;
  /** For tests: the OS priority calls (node:os). */
  priority?: PriorityControl;
}

export function utilityProcessLauncher(options: UtilityLauncherOptions): EngineLauncher {
  const serviceName = options.serviceName ?? ENGINE_SERVICE_NAME;
  return () => {
    const child = options.fork(options.entry, [], {
      serviceName,
      stdio: 'inherit',
      env: engineEnv(options.env ?? process.env, options.home),
    });
    // The pid exists once the process has spawned.
    child.once('spawn', () => runBelowNormal(child.pid, serviceName, options.priority));
    const exitListeners: Array<(exit: EngineExit) => void> = [];
    let exited = false;
    // `exit` always comes; Chromium's `child-process-gone` tells why (crash, OOM) and may come first.
    const report = (exit: EngineExit) => {
      if (exited) return;
      exited = true;
      options.app.removeListener('child-process-gone', onGone);
      exitListeners.forEach((listener) => listener(exit));
    };
    const onGone = (_event: Electron.Event, details: Details) => {
      if (details.type === 'Utility' && details.name === serviceName) report(goneExit(details));
    };
    options.app.on('child-process-gone', onGone);
    child.once('exit', (code) => report({ code, reason: `exited with code ${code}` }));
    return {
      post: (message, transfer) => child.postMessage(message, transfer as MessagePortMain[] | undefined),
      onMessage: (listener) => child.on('message', listener),
      onExit: (listener) => exitListeners.push(listener),
      kill: () => {
        child.kill();
      },
    };
  };
}
