/**
 * The only file under main/models that imports Electron: the app's token store over `safeStorage`. The CLI and the
 * engine never import it (token.test.ts checks). Linux's `basic_text` backend encrypts with a fixed key, which is
 * plain text in disguise, so it counts as unavailable.
 */
import { safeStorage } from 'electron';
import path from 'node:path';
import { EncryptedTokenStore, type Cipher } from './encryptedTokenStore';

const safeStorageCipher: Cipher = {
  available: async () =>
    (await safeStorage.isAsyncEncryptionAvailable()) && !(process.platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text'),
  encrypt: (plain) => safeStorage.encryptStringAsync(plain),
  decrypt: async (data) => {
    const { result, shouldReEncrypt } = await safeStorage.decryptStringAsync(data);
    return { plain: result, reEncrypt: shouldReEncrypt };
  },
};

/** The token store of the app, in its state folder (homePaths(home).state). */
export const appTokenStore = (stateDir: string) => new EncryptedTokenStore(path.join(stateDir, 'hf-token.bin'), safeStorageCipher);
