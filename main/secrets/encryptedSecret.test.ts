import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EncryptedSecret } from './encryptedSecret';
import { xorCipher } from './testing/xorCipher';
import { testTempDir } from '../../test/tempDir';

const secretFile = () => path.join(testTempDir('secret'), 'state', 'secret.bin');
const refusal = () => new Error('no secure storage for the test secret');

const mainDir = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? sources(full) : /\.[cm]?[jt]sx?$/.test(e.name) && !e.name.endsWith('.test.ts') ? [full] : [];
  });
}
const imports = (file: string) => [...readFileSync(file, 'utf8').matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|\bimport\s+)['"]([^'"]+)['"]/g)].map((m) => m[1]);

describe('an OS-encrypted secret', () => {
  it('is kept only encrypted, readable by its owner alone, in a folder created for it, and re-encrypted on key rotation', async () => {
    const file = secretFile();
    const secret = new EncryptedSecret(file, xorCipher(), refusal);
    await secret.set('  sk-secret-key \n');
    expect(readFileSync(file).includes('sk-secret-key')).toBe(false);
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await secret.get()).toBe('sk-secret-key');
    expect(await new EncryptedSecret(file, xorCipher(true, true), refusal).get()).toBe('sk-secret-key');
    await secret.clear();
    expect(await secret.get()).toBeUndefined();
  });

  it('is refused where the OS offers no real encryption, and nothing is written', async () => {
    const file = secretFile();
    await expect(new EncryptedSecret(file, xorCipher(false), refusal).set('sk-secret')).rejects.toThrow('no secure storage for the test secret');
    expect(() => statSync(file)).toThrow();
  });

  it('reads as absent where it cannot be decrypted (another OS account, a reset keyring)', async () => {
    const file = secretFile();
    await new EncryptedSecret(file, xorCipher(), refusal).set('sk-secret');
    const broken = { ...xorCipher(), decrypt: async () => Promise.reject(new Error('Error while decrypting the ciphertext')) };
    expect(await new EncryptedSecret(file, broken, refusal).get()).toBeUndefined();
  });

  it('only safeStorageCipher.ts imports electron, and only the app and the Hub token store import it', () => {
    const relative = (file: string) => path.relative(mainDir, file).split(path.sep).join('/');
    const electronHere = sources(path.join(mainDir, 'secrets')).flatMap((file) =>
      imports(file).filter((spec) => spec === 'electron' || spec.startsWith('electron/')).map((spec) => `${relative(file)} imports ${spec}`),
    );
    const cipherUsers = sources(mainDir).flatMap((file) =>
      imports(file).filter((spec) => spec.endsWith('safeStorageCipher')).map(() => relative(file)),
    );
    expect(electronHere).toEqual(['secrets/safeStorageCipher.ts imports electron']);
    expect(cipherUsers.filter((file) => !file.startsWith('app/') && file !== 'models/token/electronSafeStorage.ts')).toEqual([]);
  });
});
