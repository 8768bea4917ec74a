import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  checkProvidersStatically,
  chooseProvider,
  ortProbe,
  preferredProviders,
  probeProviders,
  type SupportedBackend,
} from './executionProviders';
import type { ExecutionProviderStatus } from '../protocol';
import { probeModelBytes } from './probeModel';
import { testTempDir } from '../../../test/tempDir';

/** What onnxruntime-node 1.30.0's listSupportedBackends() reports per platform. */
const BACKENDS: Record<string, SupportedBackend[]> = {
  linux: [
    { name: 'cpu', bundled: true },
    { name: 'webgpu', bundled: true },
    { name: 'cuda', bundled: false },
    { name: 'tensorrt', bundled: false },
  ],
  win32: [
    { name: 'cpu', bundled: true },
    { name: 'dml', bundled: true },
    { name: 'webgpu', bundled: true },
    { name: 'cuda', bundled: false },
  ],
  darwin: [
    { name: 'cpu', bundled: true },
    { name: 'coreml', bundled: true },
    { name: 'webgpu', bundled: true },
  ],
};

const staticCheck = (platform: NodeJS.Platform, installed: string[] = []) =>
  checkProvidersStatically({
    platform,
    backends: BACKENDS[platform],
    bindingDir: '/ort/bin',
    exists: (file) => installed.includes(path.basename(file)),
    ortVersion: '1.30.0',
  });

describe('execution provider preference', () => {
  it('prefers CUDA then CPU on Linux, CUDA then DirectML then CPU on Windows, CoreML then CPU on macOS', () => {
    expect(preferredProviders('linux')).toEqual(['cuda', 'cpu']);
    expect(preferredProviders('win32')).toEqual(['cuda', 'dml', 'cpu']);
    expect(preferredProviders('darwin')).toEqual(['coreml', 'cpu']);
  });
});

describe('static provider check', () => {
  it('marks CUDA unavailable on Linux without its provider libraries and says how to get them', () => {
    const [cuda, cpu] = staticCheck('linux');
    expect(cuda).toEqual({
      name: 'cuda',
      available: false,
      reason:
        'provider library libonnxruntime_providers_shared.so, libonnxruntime_providers_cuda.so not installed in /ort/bin (run "npm run ort:cuda" with internet access)',
    });
    expect(cpu.available).toBe(true);
  });

  it('accepts CUDA on Linux once both provider libraries are installed', () => {
    const [cuda] = staticCheck('linux', ['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_cuda.so']);
    expect(cuda).toEqual({ name: 'cuda', available: true, reason: 'provider present' });
  });

  it('needs only the bundled DirectML on Windows when CUDA is missing', () => {
    expect(staticCheck('win32').map((s) => [s.name, s.available])).toEqual([
      ['cuda', false],
      ['dml', true],
      ['cpu', true],
    ]);
  });

  it('reports CoreML on macOS as built in and an EP absent from the build as not built', () => {
    expect(staticCheck('darwin').map((s) => [s.name, s.available])).toEqual([['coreml', true], ['cpu', true]]);
    const noCoreml = checkProvidersStatically({
      platform: 'darwin', backends: [{ name: 'cpu', bundled: true }], bindingDir: '/x', exists: () => false, ortVersion: '1.30.0',
    });
    expect(noCoreml[0]).toEqual({ name: 'coreml', available: false, reason: 'not built into onnxruntime-node 1.30.0 for darwin' });
  });
});

describe('provider choice', () => {
  const statuses = (...available: Array<[ExecutionProviderStatus['name'], boolean]>): ExecutionProviderStatus[] =>
    available.map(([name, ok]) => ({ name, available: ok, reason: ok ? 'probe session created and ran' : 'driver missing' }));

  it('takes the first available provider and says why each earlier one was skipped', () => {
    expect(chooseProvider(statuses(['cuda', false], ['dml', true], ['cpu', true]))).toEqual({
      chosen: 'dml',
      reasons: ['cuda: skipped (driver missing)', 'dml: chosen (probe session created and ran)'],
    });
  });

  it('falls back from an unavailable requested provider and explains the fallback', () => {
    const choice = chooseProvider(statuses(['coreml', false], ['cpu', true]), 'coreml');
    expect(choice.chosen).toBe('cpu');
    expect(choice.reasons[0]).toBe('coreml: requested but driver missing');
  });

  it('honours an available requested provider over the preference order', () => {
    expect(chooseProvider(statuses(['cuda', true], ['cpu', true]), 'cpu').chosen).toBe('cpu');
  });

  it('ends on CPU even if every probe failed', () => {
    expect(chooseProvider(statuses(['cuda', false], ['cpu', false])).chosen).toBe('cpu');
  });
});

describe('provider probe', () => {
  const stateDir = () => testTempDir('ep');
  const available = (...names: ExecutionProviderStatus['name'][]) =>
    names.map((name) => ({ name, available: true, reason: 'provider present' }));

  it('really creates and runs a CPU session of the probe model', async () => {
    await expect(ortProbe('cpu', probeModelBytes())).resolves.toBeUndefined();
  });

  it('keeps a provider whose probe throws out, with the error as the reason', async () => {
    const result = await probeProviders(available('cuda', 'cpu'), {
      stateDir: stateDir(),
      probe: async (name) => {
        if (name === 'cuda') throw new Error('CUDA driver version is insufficient');
      },
    });
    expect(result).toEqual([
      { name: 'cuda', available: false, reason: 'probe session failed: CUDA driver version is insufficient' },
      { name: 'cpu', available: true, reason: 'probe session created and ran' },
    ]);
  });

  it('never probes again a provider that killed the process during its probe', async () => {
    const dir = stateDir();
    // The first engine dies inside the CUDA probe: simulate by a probe that never returns, then a new process.
    void probeProviders(available('cuda', 'cpu'), { stateDir: dir, probe: () => new Promise(() => {}) });
    expect(JSON.parse(readFileSync(path.join(dir, 'ep-probe.json'), 'utf8')).probing).toBe('cuda');

    const probed: string[] = [];
    const result = await probeProviders(available('cuda', 'cpu'), {
      stateDir: dir,
      probe: async (name) => void probed.push(name),
    });
    expect(probed).toEqual(['cpu']);
    expect(result[0]).toEqual({
      name: 'cuda',
      available: false,
      reason: 'the engine process died while creating a cuda session',
    });
    expect(existsSync(path.join(dir, 'ep-probe.json'))).toBe(true);
  });
});
