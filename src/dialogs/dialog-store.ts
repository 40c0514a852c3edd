/**
 * Where a dialog lives between hops: its XState snapshot (versioned, with a
 * TTL), the reply of every hop (so a retried hop is answered, not replayed),
 * the last input path of each provider session, and a per-dialog lock.
 * All keys go through the KvStore, so Redis and the dev store behave alike.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { ScreenReply } from '../../gateways/dialog-event.js';
import type { KvStore } from '../store/kv-store.js';

export interface DialogRecord {
  version: number;
  snapshot: unknown;
}

export interface SessionRecord {
  lastHopId: string;
}

/** A USSD session lasts ~180 s at most (Africa's Talking); keep its traces a little longer. */
const SESSION_TTL_MS = 10 * 60_000;

const parse = <T>(raw: string | null | undefined): T | null => (raw ? (JSON.parse(raw) as T) : null);

const hash = (...parts: string[]) => createHash('sha256').update(parts.join('\u0000')).digest('base64url').slice(0, 32);

export function createDialogStore(kv: KvStore, dialogTtlMs: number) {
  const keys = {
    dialog: (phone: string) => `dialog:${phone}`,
    lock: (phone: string) => `dialog-lock:${phone}`,
    hop: (provider: string, sessionId: string, hopId: string) => `hop:${hash(provider, sessionId, hopId)}`,
    session: (provider: string, sessionId: string) => `ussd-session:${hash(provider, sessionId)}`,
  };

  return {
    keys,
    /** A hop's stored reply (a retry) and its provider session's last path, in one round trip. */
    async loadHop(hopKey: string, provider: string, sessionId: string): Promise<{ reply: ScreenReply | null; session: SessionRecord | null }> {
      const [reply, session] = await kv.getMany([hopKey, keys.session(provider, sessionId)]);
      return { reply: parse<ScreenReply>(reply), session: parse<SessionRecord>(session) };
    },
    /** Under the lock: the dialog, and the hop's reply in case a duplicate finished first, in one round trip. */
    async loadDialog(phone: string, hopKey?: string): Promise<{ raw: string | null; record: DialogRecord | null; reply: ScreenReply | null }> {
      const [raw = null, reply = null] = await kv.getMany(hopKey ? [keys.dialog(phone), hopKey] : [keys.dialog(phone)]);
      return { raw, record: parse<DialogRecord>(raw), reply: parse<ScreenReply>(reply) };
    },
    async storedReply(hopKey: string): Promise<ScreenReply | null> {
      return parse<ScreenReply>(await kv.get(hopKey));
    },
    /** Takes the dialog's lock; returns the token that releases it, or null when someone holds it. */
    async lock(phone: string, ttlMs: number): Promise<string | null> {
      const token = randomUUID();
      return (await kv.setIfAbsent(keys.lock(phone), token, ttlMs)) ? token : null;
    },
    unlock: (phone: string, token: string) => kv.deleteIfEquals(keys.lock(phone), token),

    /**
     * Saves the new snapshot, the hop's reply and the session's input path in
     * one atomic step, only if the dialog is still the one that was loaded, and releases the lock.
     * A finished dialog is kept briefly (its END reply may be asked again).
     */
    commit(c: {
      phone: string; previousRaw: string | null; record: DialogRecord; finished: boolean; lockToken: string;
      hop?: { key: string; reply: ScreenReply; provider: string; sessionId: string; hopId: string };
    }): Promise<boolean> {
      const writes = [{ key: keys.dialog(c.phone), value: JSON.stringify(c.record), ttlMs: c.finished ? 1000 : dialogTtlMs }];
      if (c.hop) {
        writes.push({ key: c.hop.key, value: JSON.stringify(c.hop.reply), ttlMs: SESSION_TTL_MS });
        writes.push({ key: keys.session(c.hop.provider, c.hop.sessionId), value: JSON.stringify({ lastHopId: c.hop.hopId }), ttlMs: SESSION_TTL_MS });
      }
      // Releasing the lock in the same step saves a round trip on every hop.
      return kv.commit(writes, { key: keys.dialog(c.phone), equals: c.previousRaw }, { key: keys.lock(c.phone), value: c.lockToken });
    },
  };
}

export type DialogStore = ReturnType<typeof createDialogStore>;
