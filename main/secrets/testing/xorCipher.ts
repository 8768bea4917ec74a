import type { Cipher } from '../encryptedSecret';

/** Reversible but never the plain text on disk: enough to prove a store encrypts what it writes. */
export const xorCipher = (available = true, reEncrypt = false): Cipher => ({
  available: async () => available,
  encrypt: async (plain) => Buffer.from(Buffer.from(plain).map((b) => b ^ 0x5a)),
  decrypt: async (data) => ({ plain: Buffer.from(data.map((b) => b ^ 0x5a)).toString(), reEncrypt }),
});
