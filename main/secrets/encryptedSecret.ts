/**
 * One secret in one file, encrypted by the OS key store (Keychain, DPAPI, libsecret or KWallet, through Electron's
 * safeStorage behind the `Cipher` interface): the Hugging Face token, and each remote server's API key. Where the OS
 * offers no real encryption a secret is refused rather than written in a recoverable form.
 */
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface Cipher {
  /** False where encryption would be a fixed, public key (Linux without a keyring) or is not ready. */
  available(): Promise<boolean>;
  encrypt(plain: string): Promise<Buffer>;
  /** `reEncrypt`: the OS rotated its key; store the secret again. */
  decrypt(data: Buffer): Promise<{ plain: string; reEncrypt: boolean }>;
}

export class EncryptedSecret {
  /** `refusal` is what `set` throws where the OS cannot encrypt: it names the secret and what to do instead. */
  constructor(
    private readonly file: string,
    private readonly cipher: Cipher,
    private readonly refusal: () => Error,
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

  async set(secret: string): Promise<void> {
    if (!(await this.cipher.available())) throw this.refusal();
    await mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const temporary = `${this.file}.tmp`;
    await writeFile(temporary, await this.cipher.encrypt(secret.trim()), { mode: 0o600 });
    await chmod(temporary, 0o600);
    await rename(temporary, this.file);
  }

  async clear(): Promise<void> {
    await rm(this.file, { force: true });
  }
}
