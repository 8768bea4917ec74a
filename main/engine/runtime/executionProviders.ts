/**
 * Which ONNX Runtime execution providers (EPs) work on this machine, and which one to use.
 *
 * Three layers, cheapest first: (1) is the EP compiled into this onnxruntime-node build for this platform;
 * (2) for EPs shipped separately (CUDA), are its provider libraries installed; (3) does a session of a tiny model
 * actually create and run. Step 3 can abort the process natively when a driver is broken (a missing CUDA library
 * kills the process past any try/catch), so a sentinel file is written before each probe: if the engine dies
 * mid-probe, the next engine start finds the sentinel, marks that EP broken and never probes it again.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { ExecutionProviderName, ExecutionProviderStatus } from '../protocol';
import { probeModelBytes } from './probeModel';

const packageRequire = createRequire(import.meta.url);

export interface SupportedBackend {
  name: string;
  bundled: boolean;
}

/** Preference order per platform: the first available one wins. */
export function preferredProviders(platform: NodeJS.Platform): ExecutionProviderName[] {
  switch (platform) {
    case 'win32':
      return ['cuda', 'dml', 'cpu'];
    case 'darwin':
      return ['coreml', 'cpu'];
    default:
      return ['cuda', 'cpu'];
  }
}

/** Provider libraries that must sit next to the binding for an EP that onnxruntime-node does not bundle. */
export function providerLibraries(name: ExecutionProviderName, platform: NodeJS.Platform): string[] {
  if (name !== 'cuda') return [];
  return platform === 'win32'
    ? ['onnxruntime_providers_shared.dll', 'onnxruntime_providers_cuda.dll']
    : ['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_cuda.so'];
}

export function bindingDirectory(platform = process.platform, arch = process.arch): string {
  const packageDir = path.dirname(packageRequire.resolve('onnxruntime-node/package.json'));
  return path.join(packageDir, 'bin', 'napi-v6', platform, arch);
}

export interface StaticCheckInput {
  platform: NodeJS.Platform;
  backends: SupportedBackend[];
  bindingDir: string;
  exists: (file: string) => boolean;
  ortVersion: string;
}

/**
 * Layer 2 alone, a look at files that loads no native code (the model manager's fit estimate asks it in the main
 * process): why `name`'s provider libraries are not there, or undefined when they are.
 */
export function providerLibrariesMissing(
  name: ExecutionProviderName,
  { platform, bindingDir, exists }: Pick<StaticCheckInput, 'platform' | 'bindingDir' | 'exists'>,
): string | undefined {
  const missing = providerLibraries(name, platform).filter((lib) => !exists(path.join(bindingDir, lib)));
  return missing.length > 0 ? `provider library ${missing.join(', ')} not installed in ${bindingDir} (run "npm run ort:cuda" with internet access)` : undefined;
}

/** Layers 1 and 2: no native code runs. EPs that pass are `available` pending a probe. */
export function checkProvidersStatically(input: StaticCheckInput): ExecutionProviderStatus[] {
  return preferredProviders(input.platform).map((name): ExecutionProviderStatus => {
    if (name === 'cpu') return { name, available: true, reason: 'built into every onnxruntime-node build' };
    const backend = input.backends.find((b) => b.name === name);
    if (!backend) {
      return {
        name,
        available: false,
        reason: `not built into onnxruntime-node ${input.ortVersion} for ${input.platform}`,
      };
    }
    const missing = backend.bundled ? undefined : providerLibrariesMissing(name, input);
    return missing ? { name, available: false, reason: missing } : { name, available: true, reason: 'provider present' };
  });
}

export type ProbeSession = (name: ExecutionProviderName, model: Uint8Array) => Promise<void>;

export interface ProbeOptions {
  /** Folder for the crash sentinel; it must survive an engine restart. */
  stateDir: string;
  probe: ProbeSession;
}

const sentinelFile = (stateDir: string) => path.join(stateDir, 'ep-probe.json');

interface ProbeRecord {
  /** The EP being probed when the process last died, if it died mid-probe. */
  probing?: ExecutionProviderName;
  broken: Partial<Record<ExecutionProviderName, string>>;
}

function readRecord(stateDir: string): ProbeRecord {
  try {
    const record = JSON.parse(readFileSync(sentinelFile(stateDir), 'utf8')) as ProbeRecord;
    return { probing: record.probing, broken: record.broken ?? {} };
  } catch {
    return { broken: {} };
  }
}

function writeRecord(stateDir: string, record: ProbeRecord): void {
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(sentinelFile(stateDir), JSON.stringify(record));
}

/** Layer 3: probe every statically available EP, remembering EPs that crashed the process. */
export async function probeProviders(
  statuses: ExecutionProviderStatus[],
  options: ProbeOptions,
): Promise<ExecutionProviderStatus[]> {
  const record = readRecord(options.stateDir);
  if (record.probing) {
    record.broken[record.probing] = `the engine process died while creating a ${record.probing} session`;
    record.probing = undefined;
    writeRecord(options.stateDir, record);
  }
  const model = probeModelBytes();
  const result: ExecutionProviderStatus[] = [];
  for (const status of statuses) {
    if (!status.available) {
      result.push(status);
      continue;
    }
    const broken = record.broken[status.name];
    if (broken) {
      result.push({ name: status.name, available: false, reason: broken });
      continue;
    }
    writeRecord(options.stateDir, { ...record, probing: status.name });
    try {
      await options.probe(status.name, model);
      result.push({ name: status.name, available: true, reason: 'probe session created and ran' });
    } catch (error) {
      result.push({
        name: status.name,
        available: false,
        reason: `probe session failed: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
    writeRecord(options.stateDir, record);
  }
  return result;
}

export interface ProviderChoice {
  chosen: ExecutionProviderName;
  /** Human-readable: why this EP, and why each preferred EP before it was passed over. */
  reasons: string[];
}

/** The first available EP in preference order, or the requested one if available; CPU is the floor. */
export function chooseProvider(
  statuses: ExecutionProviderStatus[],
  requested?: ExecutionProviderName,
): ProviderChoice {
  const reasons: string[] = [];
  if (requested) {
    const status = statuses.find((s) => s.name === requested);
    if (status?.available) return { chosen: requested, reasons: [`${requested}: requested and available`] };
    reasons.push(`${requested}: requested but ${status ? status.reason : 'not supported on this platform'}`);
  }
  for (const status of statuses) {
    if (status.available) {
      reasons.push(`${status.name}: chosen (${status.reason})`);
      return { chosen: status.name, reasons };
    }
    reasons.push(`${status.name}: skipped (${status.reason})`);
  }
  return { chosen: 'cpu', reasons: [...reasons, 'cpu: fallback'] };
}

/** Default probe: create and run the probe model with only the given EP. */
export const ortProbe: ProbeSession = async (name, model) => {
  const ort = await import('./ort');
  const session = await ort.InferenceSession.create(model, { executionProviders: [name] });
  try {
    const x = new ort.Tensor('float32', Float32Array.from([1, 2, 3, 4]), [4]);
    const { y } = await session.run({ x });
    if ((y.data as Float32Array)[3] !== 8) throw new Error(`wrong result ${Array.from(y.data as Float32Array)}`);
  } finally {
    await session.release();
  }
};

/** The full check for this machine, used by `system.info`. */
export async function detectProviders(stateDir: string): Promise<ExecutionProviderStatus[]> {
  const ort = await import('./ort');
  const statuses = checkProvidersStatically({
    platform: process.platform,
    backends: ort.listSupportedBackends(),
    bindingDir: bindingDirectory(),
    exists: existsSync,
    ortVersion: ort.env.versions.node ?? 'unknown',
  });
  return probeProviders(statuses, { stateDir, probe: ortProbe });
}
