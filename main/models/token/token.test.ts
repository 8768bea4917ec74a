import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isModelError } from '../errors';
import { EnvTokenStore } from './tokenStore';

const modelsDir = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const cliDir = path.join(modelsDir, '..', 'cli');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? sources(full) : /\.[cm]?[jt]sx?$/.test(e.name) && !e.name.endsWith('.test.ts') ? [full] : [];
  });
}
const imports = (file: string) => [...readFileSync(file, 'utf8').matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|\bimport\s+)['"]([^'"]+)['"]/g)].map((m) => m[1]);

describe('token stores', () => {
  it('the CLI store reads HF_TOKEN and nothing else, and stores nothing', async () => {
    expect(await new EnvTokenStore({ HF_TOKEN: ' hf_abc \n' }).get()).toBe('hf_abc');
    expect(await new EnvTokenStore({ HUGGING_FACE_HUB_TOKEN: 'hf_old' }).get()).toBeUndefined();
    expect(isModelError(await new EnvTokenStore({}).set().catch((e: unknown) => e), 'INVALID_REQUEST')).toBe(true);
  });

  it('only electronSafeStorage.ts reaches Electron (through the safeStorage cipher), and neither the models code nor the CLI imports it', () => {
    const offenders = [...sources(modelsDir), ...sources(cliDir)].flatMap((file) =>
      imports(file)
        .filter((spec) => (spec === 'electron' || spec.startsWith('electron/') || spec.endsWith('safeStorageCipher')) ? !file.endsWith('electronSafeStorage.ts') : spec.endsWith('electronSafeStorage'))
        .map((spec) => `${path.relative(modelsDir, file)} imports ${spec}`),
    );
    expect(offenders).toEqual([]);
  });
});
