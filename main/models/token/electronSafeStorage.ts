/**
 * The app's Hub token store: the token encrypted by the OS key store (../../secrets), in the app's state folder. The
 * only file under main/models that reaches Electron; the CLI never imports it (token.test.ts checks).
 */
import path from 'node:path';
import { EncryptedSecret } from '../../secrets/encryptedSecret';
import { safeStorageCipher } from '../../secrets/safeStorageCipher';
import { ModelError } from '../errors';
import type { TokenStore } from './tokenStore';

const refusal = () =>
  new ModelError(
    'AUTH_REQUIRED',
    'This system offers no secure storage for the Hugging Face token, so it was not saved',
    'Install and unlock a keyring (GNOME Keyring or KWallet), or start Omnidesk with HF_TOKEN set.',
  );

/** The token store of the app, in its state folder (homePaths(home).state). */
export const appTokenStore = (stateDir: string): TokenStore => new EncryptedSecret(path.join(stateDir, 'hf-token.bin'), safeStorageCipher, refusal);
