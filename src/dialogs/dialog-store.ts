/**
 * Where dialogs live between hops, in the KvStore (Redis, or the dev map):
 *   dialog:{p}                  the phone's dialogs, one per provider (sealed)
 *   dialog-lock:{p}             the per-phone lock (a random token)
 *   caller-lang:{p}             the caller's language as last looked up (sealed), so a dial skips Postgres
 *   hop:{p}:<hop mac>           a hop's reply, so a retry is answered, not replayed (sealed)
 *   ussd-session:{p}:<mac>      length and MAC of the session's last typed path, and whether it ended (sealed)
 * {p} is the phone's MAC, a hash tag: one phone's keys share a Redis Cluster slot, so the
 * hop's two scripts may touch them all. Names are HMACs keyed from the pepper (a hop's
 * covers provider, session, phone and hop id), so Redis names no number and one subscriber's key is
 * never another's. Sealed values are bound to their key: a copy under another
 * phone does not open. Nothing typed (codes, PINs, passwords) is kept, not
 * even its length in clear: the session trace is sealed too.
 */
import { createHmac, createSecretKey, hkdfSync, randomUUID, timingSafeEqual } from 'node:crypto';
import type { PreviousPath, ScreenReply } from '../../machines/dialog-event.js';
import { LANGS, type Lang } from '../../machines/types.js';
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
  /** The hash tag `{HMAC(phone)}` every key of this phone carries (one HMAC per hop, not one per key). */
  tag: string;
  dialogKey: string;
  lockKey: string;
  langKey: string;
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
  /** An END was sent, in this language: the provider session is over. */
  endedIn?: Lang;
}

/** What a hop finds before it runs: a stored reply (a retry), or the session and, under the lock, the dialogs. */
export type Begun =
  | { replayed: ScreenReply }
  | { replayed: null; token: null; previous: PreviousPath | null; sessionEndedIn: Lang | null }
  | {
      replayed: null;
      token: string;
      previous: PreviousPath | null;
      sessionEndedIn: Lang | null;
      raw: string | null;
      record: DialogRecord | null;
      /**
       * The caller's cached language (null: ask), or undefined when not cached. Opened on demand:
       * only a new dialog needs it, and a hop onto a live dialog is spared an AES-GCM open.
       */
      cachedLang: () => Lang | null | undefined;
    };

/** A USSD session lasts ~180 s at most (Africa's Talking); keep its traces a little longer. */
const SESSION_TTL_MS = 10 * 60_000;
/**
 * A language is harmless when stale (the next screens use the old one);
 * nothing that decides security (the knowledge check) is cached.
 */
const CALLER_LANG_TTL_MS = 6 * 3600_000;

const parse = <T>(raw: string | null | undefined): T | null => {
  try {
    return raw ? (JSON.parse(raw) as T) : null;
  } catch {
    return null;
  }
};

export function createDialogStore(kv: KvStore, opts: { pepper: string; dialogTtlMs: number }) {
  // Derived once at start: every hop computes a few HMACs and one or two AES-GCM seals, no KDF.
  const macKey = createSecretKey(
    Buffer.from(hkdfSync('sha256', opts.pepper, Buffer.alloc(0), 'molam-id:dialog-keys', 32)),
  );
  const box = createSealedBox(opts.pepper, 'dialog');
  // Length-prefixed parts: ('a', 'b*c') and ('a*b', 'c') never collide.
  const mac = (...parts: string[]) =>
    createHmac('sha256', macKey)
      .update(parts.map((p) => `${p.length}:${p}`).join(''))
      .digest('base64url')
      .slice(0, 32);

  const sameMac = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
  const pathMac = (hop: Omit<Hop, 'key' | 'sessionKey' | 'hopId'>, path: string) =>
    mac('path', hop.provider, hop.sessionId, hop.phone, path);
  const openJson = <T>(raw: string | null | undefined, key: string): T | null =>
    raw ? parse<T>(box.open(raw, key)) : null;
  const openRecord = (raw: string | null, key: string): DialogRecord | null => {
    const record = openJson<DialogRecord>(raw, key);
    if (!record || typeof record.dialogs !== 'object' || record.dialogs === null) return null;
    // Each provider's dialog lives dialogTtlMs after its last hop, whatever the others do.
    const fresh = Object.entries(record.dialogs).filter(([, e]) => Date.now() - e.savedAt < opts.dialogTtlMs);
    return { version: record.version, dialogs: Object.fromEntries(fresh) };
  };
  const previousPath = (hop: Hop, trace: SessionTrace | null): PreviousPath | null =>
    trace && {
      length: trace.length,
      is: (text) => text.length === trace.length && sameMac(pathMac(hop, text), trace.mac),
    };
  const openTrace = (hop: Hop | undefined, raw: string | null | undefined) => {
    const trace = hop ? openJson<SessionTrace>(raw, hop.sessionKey) : null;
    const valid = hop && trace && Number.isInteger(trace.length) && typeof trace.mac === 'string' ? trace : null;
    return {
      previous: valid && previousPath(hop!, valid),
      sessionEndedIn: LANGS.find((l) => l === valid?.endedIn) ?? null,
    };
  };
  const openLang = (raw: string | null | undefined, key: string): Lang | null | undefined => {
    const cached = openJson<{ lang: unknown }>(raw, key);
    if (!cached) return undefined;
    return (LANGS as readonly unknown[]).includes(cached.lang) ? (cached.lang as Lang) : null;
  };
  // The hash tag: every key of one phone lands in the same Redis Cluster slot.
  const tagOf = (phone: string) => `{${mac('phone', phone)}}`;

  return {
    subscriber: (phone: string): Subscriber => {
      const tag = tagOf(phone);
      return { phone, tag, dialogKey: `dialog:${tag}`, lockKey: `dialog-lock:${tag}`, langKey: `caller-lang:${tag}` };
    },
    hop: (who: Subscriber, provider: string, sessionId: string, hopId: string): Hop => {
      const { tag, phone } = who;
      return {
        key: `hop:${tag}:${mac('hop', provider, sessionId, phone, hopId)}`,
        sessionKey: `ussd-session:${tag}:${mac('session', provider, sessionId, phone)}`,
        provider,
        sessionId,
        phone,
        hopId,
      };
    },

    /**
     * BEGIN, one round trip: the hop's stored reply (a retry: nothing else is done), the
     * session's trace, the phone's lock and, once it is ours, the dialogs and the cached language.
     * A reply that does not open (planted, moved) is not an answer: the hop then runs as new.
     */
    async begin(who: Subscriber, hop: Hop | undefined, lockTtlMs: number): Promise<Begun> {
      const token = randomUUID();
      const attempt = (stopIf: string | undefined) =>
        kv.lockAndRead({
          stopIf,
          reads: hop ? [hop.sessionKey] : [],
          lock: { key: who.lockKey, value: token, ttlMs: lockTtlMs },
          lockedReads: [who.dialogKey, who.langKey],
        });
      let found = await attempt(hop?.key);
      while (found.stopped !== null) {
        const replayed = openJson<ScreenReply>(found.stopped, hop!.key);
        if (replayed) return { replayed };
        found = await attempt(undefined); // without a stop key, nothing stops it
      }
      const trace = openTrace(hop, found.reads[0]);
      if (!found.locked) return { replayed: null, token: null, ...trace };
      const [raw = null, lang = null] = found.lockedReads;
      return {
        replayed: null,
        token,
        ...trace,
        raw,
        record: openRecord(raw, who.dialogKey),
        cachedLang: () => openLang(lang, who.langKey),
      };
    },
    /** The phone's dialogs, read without the lock (to see whether an SMS reply reaches any). */
    async loadDialog(who: Subscriber): Promise<{ raw: string | null; record: DialogRecord | null }> {
      const raw = await kv.get(who.dialogKey);
      return { raw, record: openRecord(raw, who.dialogKey) };
    },
    unlock: (who: Subscriber, token: string) => kv.deleteIfEquals(who.lockKey, token),

    /**
     * Saves the dialogs, the hop's reply and the session's path trace in one
     * atomic step, only if the record is still the one that was loaded, and releases the lock.
     * With nothing live left the record is kept briefly (its END reply may be asked again).
     */
    commit(c: {
      who: Subscriber;
      previousRaw: string | null;
      record: DialogRecord;
      anyLive: boolean;
      lockToken: string;
      hop?: Hop;
      reply?: ScreenReply & { lang: Lang };
      /** The language a Postgres lookup just gave, to cache (undefined: nothing looked up). */
      lookedUpLang?: Lang | null;
    }): Promise<boolean> {
      const { dialogKey, lockKey, langKey } = c.who;
      const writes = [
        {
          key: dialogKey,
          value: box.seal(JSON.stringify(c.record), dialogKey),
          ttlMs: c.anyLive ? opts.dialogTtlMs : 1000,
        },
      ];
      if (c.lookedUpLang !== undefined)
        writes.push({
          key: langKey,
          value: box.seal(JSON.stringify({ lang: c.lookedUpLang }), langKey),
          ttlMs: CALLER_LANG_TTL_MS,
        });
      if (c.hop && c.reply) {
        writes.push({
          key: c.hop.key,
          value: box.seal(JSON.stringify({ text: c.reply.text, end: c.reply.end }), c.hop.key),
          ttlMs: SESSION_TTL_MS,
        });
        const trace: SessionTrace = {
          length: c.hop.hopId.length,
          mac: pathMac(c.hop, c.hop.hopId),
          ...(c.reply.end ? { endedIn: c.reply.lang } : {}),
        };
        writes.push({
          key: c.hop.sessionKey,
          value: box.seal(JSON.stringify(trace), c.hop.sessionKey),
          ttlMs: SESSION_TTL_MS,
        });
      }
      // COMMIT: releasing the lock in the same step saves a round trip on every hop.
      return kv.commit(writes, { key: dialogKey, equals: c.previousRaw }, { key: lockKey, value: c.lockToken });
    },
  };
}

export type DialogStore = ReturnType<typeof createDialogStore>;
