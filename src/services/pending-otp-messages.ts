/**
 * The OTP SMS of a live code, sealed in the key-value store under its
 * provider message id for as long as the code lives: a failed delivery
 * report sends the very same message through the next provider, so the user
 * never gets two different live codes.
 */
import type { OutboundMessage } from '../../gateways/message-sender.js';
import type { SealedBox } from '../security/sealed-box.js';
import type { KvStore } from '../store/kv-store.js';

export function createPendingOtpMessages(kv: KvStore, box: SealedBox, ttlMs: number) {
  const key = (provider: string, providerMessageId: string) => `otp-sms:${provider}:${providerMessageId}`;
  return {
    keep: (provider: string, providerMessageId: string, message: OutboundMessage) =>
      kv.set(key(provider, providerMessageId), box.seal(JSON.stringify({ to: message.to, body: message.body })), ttlMs),
    async take(provider: string, providerMessageId: string): Promise<OutboundMessage | null> {
      const sealed = await kv.get(key(provider, providerMessageId));
      const opened = sealed ? box.open(sealed) : null;
      if (!opened) return null;
      await kv.delete(key(provider, providerMessageId));
      const { to, body } = JSON.parse(opened) as { to: string; body: string };
      return { to, body, channel: 'sms' };
    },
  };
}

export type PendingOtpMessages = ReturnType<typeof createPendingOtpMessages>;
