/**
 * AES-256-GCM with a key derived from the pepper: what the service must keep
 * in Redis for a while (a live OTP message, a dialog snapshot, a hop's reply)
 * sits there sealed, never in clear, and cannot be edited unnoticed.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

// A full-length tag is required on open: a truncated one would be easier to forge.
const TAG_BYTES = 16;

/**
 * `boundTo` (GCM associated data, usually the Redis key) ties a box to its
 * place: a box copied under another key (another phone's dialog) does not open.
 */
export function createSealedBox(pepper: string, purpose: string) {
  const key = Buffer.from(hkdfSync('sha256', pepper, Buffer.alloc(0), `molam-id:${purpose}`, 32));
  return {
    seal(plaintext: string, boundTo = ''): string {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      if (boundTo) cipher.setAAD(Buffer.from(boundTo, 'utf8'));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
    },
    /** The plaintext, or null when the box was tampered with, moved, or sealed under another key. */
    open(sealed: string, boundTo = ''): string | null {
      try {
        const raw = Buffer.from(sealed, 'base64url');
        const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12), { authTagLength: TAG_BYTES });
        decipher.setAuthTag(raw.subarray(12, 28));
        if (boundTo) decipher.setAAD(Buffer.from(boundTo, 'utf8'));
        return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
      } catch {
        return null;
      }
    },
  };
}

export type SealedBox = ReturnType<typeof createSealedBox>;
