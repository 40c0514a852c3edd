/**
 * Where dialogs live between hops, in the KvStore (Redis, or the dev map):
 *   dialog:<phone mac>         the phone's dialogs, one per provider (sealed)
 *   dialog-lock:<phone mac>    the per-phone lock (a random token)
 *   hop:<hop mac>              a hop's reply, so a retry is answered, not replayed (sealed)
 *   ussd-session:<session mac> length and MAC of the session's last typed path (sealed)
 * Names are HMACs keyed from the pepper (a hop's covers provider, session,
 * phone and hop id), so Redis names no number and one subscriber's key is
 * never another's. Sealed values are bound to their key: a copy under another
 * phone does not open. Nothing typed (codes, PINs, passwords) is kept, not
 * even its length in clear: the session trace is sealed too.
 */
import { createHmac, hkdfSync, randomUUID, timingSafeEqual } from 'node:crypto';
import type { PreviousPath, ScreenReply } from '../../gateways/dialog-event.js';
import { createSealedBox } from '../security/sealed-box.js';
import type { KvStore } from '../store/kv-store.js';

/** One provider's dialog for a phone: a dialog belongs to the provider that opened it. */
export interface DialogEntry {
  snapshot: unknown;
  savedAt: number;
}

export interface DialogRecord {
  version: number;
  dialogs: Record<string, DialogEntry>;
}

/** The keys of one phone's dialogs, derived once per hop. */
export interface Subscriber {
  phone: string;
  dialogKey: string;
  lockKey: string;
}

/** One hop of one provider session of one phone. */
export interface Hop {
  key: string;
  sessionKey: string;
  provider: string;
  sessionId: string;
  phone: string;
  hopId: string;
}

interface SessionTrace {
  length: number;
  mac: string;
}

/** A USSD session lasts ~180 s at most (Africa's Talking); keep its traces a little longer. */
const SESSION_TTL_MS = 10 * 60_000;

const parse = <T>(raw: string | null | undefined): T | null => {
  try {
    return raw ? (JSON.parse(raw) as T) : null;
  } catch {
    return null;
  }
};

export function createDialogStore(kv: KvStore, opts: { pepper: string; dialogTtlMs: number }) {
  // Derived once at start: every hop computes a few HMACs and one or two AES-GCM seals, no KDF.
  const macKey = Buffer.from(hkdfSync('sha256', opts.pepper, Buffer.alloc(0), 'molam-id:dialog-keys', 32));
  const box = createSealedBox(opts.pepper, 'dialog');
  // Length-prefixed parts: ('a', 'b*c') and ('a*b', 'c') never collide.
  const mac = (...parts: string[]) =>
    createHmac('sha256', macKey).update(parts.map((p) => `${p.length}:${p}`).join('')).digest('base64url').slice(0, 32);

  const sameMac = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
  const pathMac = (hop: Omit<Hop, 'key' | 'sessionKey' | 'hopId'>, path: string) => mac('path', hop.provider, hop.sessionId, hop.phone, path);
  const openJson = <T>(raw: string | null | undefined, key: string): T | null => (raw ? parse<T>(box.open(raw, key)) : null);
  const openRecord = (raw: string | null, key: string): DialogRecord | null => {
    const record = openJson<DialogRecord>(raw, key);
    if (!record || typeof record.dialogs !== 'object' || record.dialogs === null) return null;
    // Each provider's dialog lives dialogTtlMs after its last hop, whatever the others do.
    const fresh = Object.entries(record.dialogs).filter(([, e]) => Date.now() - e.savedAt < opts.dialogTtlMs);
    return { version: record.version, dialogs: Object.fromEntries(fresh) };
  };
  const previousPath = (hop: Hop, trace: SessionTrace | null): PreviousPath | null => trace && {
    length: trace.length,
    is: (text) => text.length === trace.length && sameMac(pathMac(hop, text), trace.mac),
  };

  return {
    subscriber: (phone: string): Subscriber => {
      const id = mac('phone', phone);
      return { phone, dialogKey: `dialog:${id}`, lockKey: `dialog-lock:${id}` };
    },
    hop: (provider: string, sessionId: string, phone: string, hopId: string): Hop => ({
      key: `hop:${mac('hop', provider, sessionId, phone, hopId)}`,
      sessionKey: `ussd-session:${mac('session', provider, sessionId, phone)}`,
      provider, sessionId, phone, hopId,
    }),

    /** A hop's stored reply (a retry) and what its session kept of the previous path, in one round trip. */
    async loadHop(hop: Hop): Promise<{ reply: ScreenReply | null; previous: PreviousPath | null }> {
      const [reply, session] = await kv.getMany([hop.key, hop.sessionKey]);
      const trace = openJson<SessionTrace>(session, hop.sessionKey);
      const valid = trace && Number.isInteger(trace.length) && typeof trace.mac === 'string' ? trace : null;
      return { reply: openJson<ScreenReply>(reply, hop.key), previous: previousPath(hop, valid) };
    },
    /**
     * Under the lock: the phone's dialogs, and the hop's reply in case a duplicate finished first, in one round trip.
     * A record that does not open (tampered, moved, older format) reads as no dialog; `raw` still guards the commit.
     */
    async loadDialog(who: Subscriber, hopKey?: string): Promise<{ raw: string | null; record: DialogRecord | null; reply: ScreenReply | null }> {
      const [raw = null, reply = null] = await kv.getMany(hopKey ? [who.dialogKey, hopKey] : [who.dialogKey]);
      return { raw, record: openRecord(raw, who.dialogKey), reply: hopKey ? openJson<ScreenReply>(reply, hopKey) : null };
    },
    async storedReply(hopKey: string): Promise<ScreenReply | null> {
      return openJson<ScreenReply>(await kv.get(hopKey), hopKey);
    },
    /** Takes the phone's lock; returns the token that releases it, or null when someone holds it. */
    async lock(who: Subscriber, ttlMs: number): Promise<string | null> {
      const token = randomUUID();
      return (await kv.setIfAbsent(who.lockKey, token, ttlMs)) ? token : null;
    },
    unlock: (who: Subscriber, token: string) => kv.deleteIfEquals(who.lockKey, token),

    /**
     * Saves the dialogs, the hop's reply and the session's path trace in one
     * atomic step, only if the record is still the one that was loaded, and releases the lock.
     * With nothing live left the record is kept briefly (its END reply may be asked again).
     */
    commit(c: { who: Subscriber; previousRaw: string | null; record: DialogRecord; anyLive: boolean; lockToken: string; hop?: Hop; reply?: ScreenReply }): Promise<boolean> {
      const { dialogKey, lockKey } = c.who;
      const writes = [{ key: dialogKey, value: box.seal(JSON.stringify(c.record), dialogKey), ttlMs: c.anyLive ? opts.dialogTtlMs : 1000 }];
      if (c.hop && c.reply) {
        writes.push({ key: c.hop.key, value: box.seal(JSON.stringify(c.reply), c.hop.key), ttlMs: SESSION_TTL_MS });
        const trace: SessionTrace = { length: c.hop.hopId.length, mac: pathMac(c.hop, c.hop.hopId) };
        writes.push({ key: c.hop.sessionKey, value: box.seal(JSON.stringify(trace), c.hop.sessionKey), ttlMs: SESSION_TTL_MS });
      }
      // Releasing the lock in the same step saves a round trip on every hop.
      return kv.commit(writes, { key: dialogKey, equals: c.previousRaw }, { key: lockKey, value: c.lockToken });
    },
  };
}

export type DialogStore = ReturnType<typeof createDialogStore>;
