/**
 * The app's token store: one file holding the token encrypted by the OS key store (Keychain, DPAPI, libsecret or
 * KWallet, through Electron's safeStorage behind the `Cipher` interface). Where the OS offers no real encryption the
 * token is refused rather than written in a recoverable form.
 */
import { chmod, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { ModelError } from '../errors';
import type { TokenStore } from './tokenStore';

export interface Cipher {
  /** False where encryption would be a fixed, public key (Linux without a keyring) or is not ready. */
  available(): Promise<boolean>;
  encrypt(plain: string): Promise<Buffer>;
  /** `reEncrypt`: the OS rotated its key; store the token again. */
  decrypt(data: Buffer): Promise<{ plain: string; reEncrypt: boolean }>;
}

export class EncryptedTokenStore implements TokenStore {
  constructor(
    private readonly file: string,
    private readonly cipher: Cipher,
  ) {}

  async get(): Promise<string | undefined> {
    const data = await readFile(this.file).catch(() => undefined);
    if (!data || !(await this.cipher.available())) return undefined;
    try {
      const { plain, reEncrypt } = await this.cipher.decrypt(data);
      if (reEncrypt) await this.set(plain);
      return plain;
    } catch {
      // Encrypted under another OS account or a reset keyring: the user has to enter it again.
      return undefined;
    }
  }

  async set(token: string): Promise<void> {
    if (!(await this.cipher.available())) {
      throw new ModelError(
        'AUTH_REQUIRED',
        'This system offers no secure storage for the Hugging Face token, so it was not saved',
        'Install and unlock a keyring (GNOME Keyring or KWallet), or start Omnidesk with HF_TOKEN set.',
      );
    }
    const temporary = `${this.file}.tmp`;
    await writeFile(temporary, await this.cipher.encrypt(token.trim()), { mode: 0o600 });
    await chmod(temporary, 0o600);
    await rename(temporary, this.file);
  }

  async clear(): Promise<void> {
    await rm(this.file, { force: true });
  }
}
