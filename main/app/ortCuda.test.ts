import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

interface OrtCuda {
  plan(input: { platform: string; arch: string; installed: boolean }): 'unsupported' | 'installed' | 'install';
  installerEnv(env: Record<string, string | undefined>): Record<string, string | undefined>;
  outcome(input: { code: number; output: string; strict: boolean }): { exitCode: number; message: string };
}

let ortCuda: OrtCuda;
beforeAll(async () => {
  ortCuda = (await import(/* @vite-ignore */ pathToFileURL(path.resolve('.ci/ort-cuda.mjs')).href)) as OrtCuda;
});

describe('ort:cuda', () => {
  it('installs on Linux x64 only, and only once', () => {
    expect(ortCuda.plan({ platform: 'linux', arch: 'x64', installed: false })).toBe('install');
    expect(ortCuda.plan({ platform: 'linux', arch: 'x64', installed: true })).toBe('installed');
    expect(ortCuda.plan({ platform: 'linux', arch: 'arm64', installed: false })).toBe('unsupported');
    expect(ortCuda.plan({ platform: 'darwin', arch: 'arm64', installed: false })).toBe('unsupported');
    expect(ortCuda.plan({ platform: 'win32', arch: 'x64', installed: false })).toBe('unsupported');
  });

  it('asks for CUDA 12 by variable, overriding a .npmrc skip, and hides that it runs under npm run', () => {
    const env = ortCuda.installerEnv({
      PATH: '/usr/bin',
      npm_config_onnxruntime_node_install: 'skip',
      npm_package_json: '/home/dev/omnidesk/package.json',
      npm_config_local_prefix: '/home/dev/omnidesk',
    });
    expect(env).toEqual({ PATH: '/usr/bin', npm_config_onnxruntime_node_install: 'skip', ONNXRUNTIME_NODE_INSTALL: 'cuda12' });
  });

  it('reports success', () => {
    expect(ortCuda.outcome({ code: 0, output: 'Downloading …', strict: true }).exitCode).toBe(0);
  });

  it('only warns when NuGet cannot be reached, unless strict', () => {
    const output = 'Error: getaddrinfo ENOTFOUND api.nuget.org';
    const relaxed = ortCuda.outcome({ code: 1, output, strict: false });
    expect(relaxed.exitCode).toBe(0);
    expect(relaxed.message).toMatch(/^warning: .*CPU provider keeps working/);
    expect(ortCuda.outcome({ code: 1, output, strict: true }).exitCode).toBe(1);
    expect(ortCuda.outcome({ code: 1, output: 'Failed to download. HTTP status code = 503', strict: false }).exitCode).toBe(0);
  });

  it('fails on anything that is not a network problem', () => {
    const failed = ortCuda.outcome({ code: 1, output: 'Error: Failed to open NuGet package: bad zip', strict: false });
    expect(failed.exitCode).toBe(1);
    expect(failed.message).toMatch(/^error: /);
  });
});
