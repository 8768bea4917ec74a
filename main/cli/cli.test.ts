import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from './index';
import { testTempDir } from '../../test/tempDir';

const bin = fileURLToPath(new URL('./bin.mjs', import.meta.url));

async function run(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

describe('omnidesk CLI', () => {
  it('prints the commands with --help from the real bin, with no build step', () => {
    const out = execFileSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
    expect(out).toMatch(/^omnidesk \d+\.\d+\.\d+/);
    const commands = [...out.matchAll(/^ {2}omnidesk (\w+)/gm)].map((m) => m[1]);
    expect(commands).toEqual(['info', 'models', 'pull', 'rm', 'build', 'preprocess', 'run', 'serve']);
  });

  it('rejects an unknown command, an unknown option and a stray argument with exit 2 on stderr', async () => {
    expect(await run('frobnicate')).toEqual({ code: 2, out: '', err: 'omnidesk: unknown command "frobnicate"\nRun "omnidesk --help" for usage.\n' });
    const badOption = await run('models', '--jsn');
    expect(badOption.code).toBe(2);
    expect(badOption.err).toContain("Unknown option '--jsn'");
    const stray = await run('models', 'extra');
    expect(stray.err).toContain('models: unexpected argument "extra"');
  });

  it('lists installed models as JSON on stdout from --home', async () => {
    const home = testTempDir('cli');
    const bundle = path.join(home, 'models', 'Qwen', 'Tiny', 'main', 'bundles', 'fp32');
    mkdirSync(bundle, { recursive: true });
    writeFileSync(path.join(bundle, 'manifest.json'), '{}');
    const { code, out, err } = await run('models', '--json', '--home', home);
    expect({ code, err }).toEqual({ code: 0, err: '' });
    expect(JSON.parse(out)).toEqual({
      home,
      models: [{ id: 'Qwen/Tiny', revision: 'main', variants: [{ variant: 'fp32', path: bundle, sizeBytes: 2 }] }],
    });
  });

  it('builds the tiny checkpoint into a bundle through the real bin and refuses to overwrite it', () => {
    const bundle = path.join(testTempDir('cli'), 'bundle');
    const tiny = fileURLToPath(new URL('../../models/fixtures/tiny-qwen3-omni', import.meta.url));
    const built = spawnSync(process.execPath, [bin, 'build', tiny, bundle, '--variant', 'fp32'], { encoding: 'utf8' });
    expect(built.status).toBe(0);
    expect(built.stdout).toBe(`${bundle}\n`);
    expect(built.stderr).toMatch(/Built and self-checked in [\d.]+ s: \d+ files/);
    const manifest = JSON.parse(readFileSync(path.join(bundle, 'manifest.json'), 'utf8'));
    expect(Object.keys(manifest.graphs)).toContain('thinker');

    const again = spawnSync(process.execPath, [bin, 'build', tiny, bundle, '--variant', 'fp32'], { encoding: 'utf8' });
    expect(again.status).toBe(1);
    expect(again.stderr).toBe(`omnidesk: INVALID_REQUEST: ${bundle} already exists\n  Choose a new bundle directory or remove the old bundle first.\n`);
  });

  it('rejects an unknown build variant as a usage error', async () => {
    const { code, err } = await run('build', 'a', 'b', '--variant', 'fp8');
    expect(code).toBe(2);
    expect(err).toContain('build: --variant must be one of fp32, int4');
  });

  it('reports the working execution providers through the real bin', () => {
    const home = testTempDir('cli');
    const result = spawnSync(process.execPath, [bin, 'info', '--json', '--home', home], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    const info = JSON.parse(result.stdout);
    expect(info.onnxruntime.version).toBe('1.30.0');
    expect(info.executionProviders).toContainEqual({ name: 'cpu', available: true, reason: 'probe session created and ran' });
    expect(info.executionProviders.find((ep: { name: string }) => ep.name === info.chosenExecutionProvider)?.available).toBe(true);
  });
});
