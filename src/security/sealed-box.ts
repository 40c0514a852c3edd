/**
 * AES-256-GCM with a key derived from the pepper: for the few seconds-to-
 * minutes a live OTP message must be kept to fail over to another provider,
 * it sits in Redis sealed, never in clear.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

export function createSealedBox(pepper: string, purpose: string) {
  const key = Buffer.from(hkdfSync('sha256', pepper, Buffer.alloc(0), `molam-id:${purpose}`, 32));
  return {
    seal(plaintext: string): string {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
    },
    /** The plaintext, or null when the box was tampered with or sealed under another key. */
    open(sealed: string): string | null {
      try {
        const raw = Buffer.from(sealed, 'base64url');
        const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
        decipher.setAuthTag(raw.subarray(12, 28));
        return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
      } catch {
        return null;
      }
    },
  };
}

export type SealedBox = ReturnType<typeof createSealedBox>;
