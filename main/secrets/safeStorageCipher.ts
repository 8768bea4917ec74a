/**
 * The only file under main/secrets that imports Electron: the OS key store as a `Cipher`. The CLI and the engine
 * never import it (encryptedSecret.test.ts checks). Linux's `basic_text` backend encrypts with a fixed key, which is
 * plain text in disguise, so it counts as unavailable.
 */
import { safeStorage } from 'electron';
import type { Cipher } from './encryptedSecret';

export const safeStorageCipher: Cipher = {
  available: async () =>
    (await safeStorage.isAsyncEncryptionAvailable()) && !(process.platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text'),
  encrypt: (plain) => safeStorage.encryptStringAsync(plain),
  decrypt: async (data) => {
    const { result, shouldReEncrypt } = await safeStorage.decryptStringAsync(data);
    return { plain: result, reEncrypt: shouldReEncrypt };
  },
};
