import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isModelError } from '../errors';
import { tempHome } from '../testing/harness';
import { EncryptedTokenStore, type Cipher } from './encryptedTokenStore';
import { EnvTokenStore } from './tokenStore';

/** Reversible but never the plain text on disk: enough to prove the store encrypts what it writes. */
const fakeCipher = (available = true, reEncrypt = false): Cipher => ({
  available: async () => available,
  encrypt: async (plain) => Buffer.from(Buffer.from(plain).map((b) => b ^ 0x5a)),
  decrypt: async (data) => ({ plain: Buffer.from(data.map((b) => b ^ 0x5a)).toString(), reEncrypt }),
});

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

  it('the app store keeps the token only encrypted, readable by its owner alone, and re-encrypts on key rotation', async () => {
    const file = path.join(tempHome('token'), 'hf-token.bin');
    const store = new EncryptedTokenStore(file, fakeCipher());
    await store.set('hf_secret_token');
    expect(readFileSync(file).includes('hf_secret_token')).toBe(false);
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await store.get()).toBe('hf_secret_token');
    expect(await new EncryptedTokenStore(file, fakeCipher(true, true)).get()).toBe('hf_secret_token');
    await store.clear();
    expect(await store.get()).toBeUndefined();
  });

  it('refuses to store a token where the OS offers no real encryption', async () => {
    const file = path.join(tempHome('token'), 'hf-token.bin');
    const refused = await new EncryptedTokenStore(file, fakeCipher(false)).set('hf_secret').catch((e: unknown) => e);
    expect(isModelError(refused, 'AUTH_REQUIRED')).toBe(true);
    expect(() => statSync(file)).toThrow();
  });

  it('only electronSafeStorage.ts imports electron, and neither the models code nor the CLI imports it', () => {
    const offenders = [...sources(modelsDir), ...sources(cliDir)].flatMap((file) =>
      imports(file)
        .filter((spec) => (spec === 'electron' || spec.startsWith('electron/')) ? !file.endsWith('electronSafeStorage.ts') : spec.endsWith('electronSafeStorage'))
        .map((spec) => `${path.relative(modelsDir, file)} imports ${spec}`),
    );
    expect(offenders).toEqual([]);
  });
});
