/**
 * Remote servers' API keys, by server id, apart from settings.json. The app keeps each one encrypted by the OS in
 * `<state>/remote-keys/<id>.bin`; the browser preview, which has no OS key store, keeps them in memory for its run.
 */
import path from 'node:path';
import { OmniError } from '../engine/errors';
import { EncryptedSecret, type Cipher } from '../secrets/encryptedSecret';

export interface ApiKeys {
  get(serverId: string): Promise<string | undefined>;
  set(serverId: string, key: string): Promise<void>;
  delete(serverId: string): Promise<void>;
}

const refusal = () =>
  new OmniError(
    'INVALID_REQUEST',
    'This system offers no secure storage for the API key, so the server was not saved with it',
    'Install and unlock a keyring (GNOME Keyring or KWallet), or save the server without a key.',
  );

export class EncryptedApiKeys implements ApiKeys {
  private readonly dir: string;

  constructor(stateDir: string, private readonly cipher: Cipher) {
    this.dir = path.join(stateDir, 'remote-keys');
  }

  get = (serverId: string) => this.secret(serverId).get();
  set = (serverId: string, key: string) => this.secret(serverId).set(key);
  delete = (serverId: string) => this.secret(serverId).clear();

  /** Server ids are main's own `Id`s (letters, digits, _ and -), so one is always a plain file name. */
  private secret(serverId: string) {
    return new EncryptedSecret(path.join(this.dir, `${serverId}.bin`), this.cipher, refusal);
  }
}

export class MemoryApiKeys implements ApiKeys {
  private readonly keys = new Map<string, string>();

  get = async (serverId: string) => this.keys.get(serverId);
  set = async (serverId: string, key: string) => void this.keys.set(serverId, key);
  delete = async (serverId: string) => void this.keys.delete(serverId);
}
