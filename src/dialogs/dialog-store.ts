/**
 * Where dialogs live between hops, in the KvStore (Redis, or the dev map):
 *   dialog:{p}                  the phone's dialogs, one per provider (sealed, or a fresh-dialog reference)
 *   dialog-lock:{p}             the per-phone lock (a random token)
 *   caller-lang:{p}             the caller's language as last looked up, as a language reference, so a dial skips Postgres
 *   hop:{p}:<hop mac>           a hop's reply, so a retry is answered, not replayed (sealed, or a first-screen reference)
 *   ussd-session:{p}:<mac>      length and MAC of the session's last typed path, and whether it ended (sealed)
 * {p} is the phone's MAC, a hash tag: one phone's keys share a Redis Cluster slot, so the
 * hop's two scripts may touch them all. Names are HMACs keyed from the pepper (a hop's
 * covers provider, session, phone and hop id), so Redis names no number and one subscriber's key is
 * never another's. Sealed values are bound to their key: a copy under another
 * phone does not open. Nothing typed (codes, PINs, passwords) is kept, not
 * even its length in clear: the session trace is sealed too.
 *
 * References (issue 12): a new dialog's first screen is the same for every caller of one language,
 * so it is not sealed but named: `fresh.<build>.<provider>.<savedAt>.<language ref>` (the dialog) and
 * `fresh.<build>.<language ref>` (the dial's reply). A language ref is 96 bits of an HMAC of the phone,
 * one per language: it says nothing without the pepper (not even which language, nor that two phones
 * share one), it cannot be made for another phone, and under this phone only refs the service wrote
 * verify. So a planted or copied reference can only name this build's own first screen, in a language
 * this phone's refs name: what deleting the dialog does. In exchange the BEGIN script can make a new
 * dialog itself, from the cached language, and answer a redial onto one still on its first screen: such a
 * dial is one round trip and seals nothing but its trace.
 */
import { createHmac, createSecretKey, hkdfSync, randomUUID, timingSafeEqual } from 'node:crypto';
import type { PreviousPath, ScreenReply } from '../../machines/dialog-event.js';
import { LANGS, type Lang } from '../../machines/types.js';
import { createSealedBox } from '../security/sealed-box.js';
import type { KvCreateIfQuiet, KvStore } from '../store/kv-store.js';

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
  /** The phone's language refs, one per LANG_OPTIONS entry (computed on first use, once per hop). */
  langRefs: () => readonly string[];
}

/** One hop of one provider session of one phone. */
export interface Hop {
  key: string;
  sessionKey: string;
  provider: string;
  sessionId: string;
  phone: string;
  hopId: string;
  /** This hop's session trace once sealed (not ended), so BEGIN and COMMIT seal it once. */
  sealedTrace?: string;
}

interface SessionTrace {
  length: number;
  mac: string;
  /** An END was sent, in this language: the provider session is over. */
  endedIn?: Lang;
}

/** What the cached language can say: a language, or null (ask the caller). */
export const LANG_OPTIONS: readonly (Lang | null)[] = [...LANGS, null];

/**
 * A new dialog that is the same for every caller of a language (its first screen), as the runtime
 * computes it: the store writes and reads it as a reference instead of a sealed value.
 */
export interface FreshDialogs {
  /** Names this build's first screens: a reference another build wrote is no dialog (a rolling deploy). */
  build: string;
  /** The languages (null: ask) whose new dialog is fixed and live after its first screen. */
  langs: readonly (Lang | null)[];
  /** A redial onto such a dialog leaves it and its screen as they were (so BEGIN may answer it too). */
  redialKeeps: boolean;
  snapshot(lang: Lang | null, phone: string): unknown;
  reply(lang: Lang | null): ScreenReply;
}

/** What a hop finds before it runs: a stored reply (a retry), or the session and, under the lock, the dialogs. */
export type Begun =
  | { replayed: ScreenReply }
  /** BEGIN made the dialog itself, as the fresh dialog of this language; its reply and trace are saved. */
  | { replayed: null; created: Lang | null }
  | { replayed: null; created?: undefined; token: null; previous: PreviousPath | null; sessionEndedIn: Lang | null }
  | {
      replayed: null;
      created?: undefined;
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

/** Bytes of one language ref: 96 bits, as a GCM tag's guess resistance needs no more here. */
const LANG_REF_BYTES = 12;
const LANG_REF_CHARS = (LANG_REF_BYTES / 3) * 4;
const FRESH = 'fresh';

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
  // All of a phone's language refs from one HMAC-SHA512, as one base64url string cut in 16-character refs
  // (12 bytes are 16 characters exactly). 64 bytes hold 5 refs; more languages take more blocks.
  const langRefsOf = (phone: string): string[] => {
    let bytes = createHmac('sha512', macKey).update(`lang-refs:0:${phone}`).digest();
    for (let b = 1; b * 64 < LANG_OPTIONS.length * LANG_REF_BYTES; b++)
      bytes = Buffer.concat([bytes, createHmac('sha512', macKey).update(`lang-refs:${b}:${phone}`).digest()]);
    const all = bytes.toString('base64url');
    return LANG_OPTIONS.map((_, i) => all.slice(i * LANG_REF_CHARS, (i + 1) * LANG_REF_CHARS));
  };
  /** The language a ref names for this phone; undefined when it is no ref of this phone's. */
  const langOfRef = (who: Subscriber, ref: string | undefined): Lang | null | undefined => {
    const at = ref === undefined ? -1 : who.langRefs().indexOf(ref);
    return at < 0 ? undefined : LANG_OPTIONS[at];
  };
  const langRef = (who: Subscriber, lang: Lang | null) => who.langRefs()[LANG_OPTIONS.indexOf(lang)]!;

  const sameMac = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
  const pathMac = (hop: Omit<Hop, 'key' | 'sessionKey' | 'hopId'>, path: string) =>
    mac('path', hop.provider, hop.sessionId, hop.phone, path);
  const openJson = <T>(raw: string | null | undefined, key: string): T | null =>
    raw ? parse<T>(box.open(raw, key)) : null;

  /** The fresh dialog's language a reference names, when this build wrote it for this phone (else undefined). */
  const freshLang = (
    who: Subscriber,
    fresh: FreshDialogs | undefined,
    build: string | undefined,
    ref: string | undefined,
  ) => {
    if (!fresh || build !== fresh.build) return undefined;
    const lang = langOfRef(who, ref);
    return lang !== undefined && fresh.langs.includes(lang) ? lang : undefined;
  };
  const freshDialogRef = (fresh: FreshDialogs, provider: string, savedAt: number, ref: string) =>
    `${FRESH}.${fresh.build}.${provider}.${savedAt}.${ref}`;
  const freshReplyRef = (fresh: FreshDialogs, ref: string) => `${FRESH}.${fresh.build}.${ref}`;
  const isFresh = (raw: string) => raw.startsWith(`${FRESH}.`);

  /** A fresh-dialog reference as the record it names (the runtime's first screen with this phone), else null. */
  const openFreshRecord = (raw: string, who: Subscriber, fresh?: FreshDialogs): DialogRecord | null => {
    const parts = raw.split('.');
    if (parts.length < 5) return null;
    const lang = freshLang(who, fresh, parts[1], parts.at(-1));
    const savedAt = Number(parts.at(-2));
    if (lang === undefined || !Number.isSafeInteger(savedAt)) return null;
    const provider = parts.slice(2, -2).join('.');
    return { version: 1, dialogs: { [provider]: { snapshot: fresh!.snapshot(lang, who.phone), savedAt } } };
  };
  const openRecord = (raw: string | null, who: Subscriber, fresh?: FreshDialogs): DialogRecord | null => {
    const record = raw && isFresh(raw) ? openFreshRecord(raw, who, fresh) : openJson<DialogRecord>(raw, who.dialogKey);
    if (!record || typeof record.dialogs !== 'object' || record.dialogs === null) return null;
    // Each provider's dialog lives dialogTtlMs after its last hop, whatever the others do.
    const live = Object.entries(record.dialogs).filter(([, e]) => Date.now() - e.savedAt < opts.dialogTtlMs);
    return { version: record.version, dialogs: Object.fromEntries(live) };
  };
  const openReply = (raw: string, who: Subscriber, hop: Hop, fresh?: FreshDialogs): ScreenReply | null => {
    if (!isFresh(raw)) return openJson<ScreenReply>(raw, hop.key);
    const [, build, ref, ...rest] = raw.split('.');
    const lang = rest.length === 0 ? freshLang(who, fresh, build, ref) : undefined;
    return lang === undefined ? null : fresh!.reply(lang);
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
  // A dial's trace is sealed for BEGIN's createIfQuiet; when BEGIN locks instead, COMMIT reuses that box
  // (kept on the hop itself: a WeakMap entry per hop would cost the GC more than the seal it saves).
  const sealTrace = (hop: Hop, endedIn: Lang | null): string => {
    if (!endedIn && hop.sealedTrace) return hop.sealedTrace;
    const trace: SessionTrace = {
      length: hop.hopId.length,
      mac: pathMac(hop, hop.hopId),
      ...(endedIn ? { endedIn } : {}),
    };
    const sealed = box.seal(JSON.stringify(trace), hop.sessionKey);
    if (!endedIn) hop.sealedTrace = sealed;
    return sealed;
  };
  /**
   * BEGIN's other way out: with no session trace and no lock, no dialog (or, when a redial keeps it, a
   * fresh dialog of this provider in the cached language), and a cached language whose first screen is
   * fixed, the script writes that dialog (a reference), the dial's reply (a reference) and the session
   * trace (sealed) itself: nothing is left to commit.
   */
  const createIfQuiet = (who: Subscriber, hop: Hop, fresh: FreshDialogs): KvCreateIfQuiet => ({
    ...(fresh.redialKeeps
      ? {
          absent: [hop.sessionKey, who.lockKey],
          replaceable: { key: who.dialogKey, prefix: `${FRESH}.${fresh.build}.${hop.provider}.` },
        }
      : { absent: [hop.sessionKey, who.dialogKey, who.lockKey] }),
    choiceKey: who.langKey,
    choices: fresh.langs.map((lang) => langRef(who, lang)),
    writes: [{ key: hop.sessionKey, value: sealTrace(hop, null), ttlMs: SESSION_TTL_MS }],
    // The references, ended by the language ref the script finds (see freshDialogRef, freshReplyRef).
    chosenWrites: [
      { key: who.dialogKey, prefix: freshDialogRef(fresh, hop.provider, Date.now(), ''), ttlMs: opts.dialogTtlMs },
      { key: hop.key, prefix: freshReplyRef(fresh, ''), ttlMs: SESSION_TTL_MS },
    ],
  });
  // The hash tag: every key of one phone lands in the same Redis Cluster slot.
  const tagOf = (phone: string) => `{${mac('phone', phone)}}`;

  return {
    subscriber: (phone: string): Subscriber => {
      const tag = tagOf(phone);
      let refs: string[] | undefined;
      return {
        phone,
        tag,
        dialogKey: `dialog:${tag}`,
        lockKey: `dialog-lock:${tag}`,
        langKey: `caller-lang:${tag}`,
        langRefs: () => (refs ??= langRefsOf(phone)),
      };
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
     * BEGIN, one round trip: the hop's stored reply (a retry: nothing else is done), then, when `create`
     * is given and the phone is quiet, the new dialog made in place (see createIfQuiet); else the session's
     * trace, the phone's lock and, once it is ours, the dialogs and the cached language.
     * A reply that does not open (planted, moved) is not an answer: the hop then runs as new.
     */
    async begin(
      who: Subscriber,
      hop: Hop | undefined,
      { lockTtlMs, fresh, create = false }: { lockTtlMs: number; fresh?: FreshDialogs; create?: boolean },
    ): Promise<Begun> {
      const token = randomUUID();
      const attempt = (stopIf: string | undefined) =>
        kv.lockAndRead({
          stopIf,
          ...(create && hop && fresh ? { createIfQuiet: createIfQuiet(who, hop, fresh) } : {}),
          reads: hop ? [hop.sessionKey] : [],
          lock: { key: who.lockKey, value: token, ttlMs: lockTtlMs },
          lockedReads: [who.dialogKey, who.langKey],
        });
      let found = await attempt(hop?.key);
      while (found.stopped !== null) {
        const replayed = openReply(found.stopped, who, hop!, fresh);
        if (replayed) return { replayed };
        found = await attempt(undefined); // without a stop key, nothing stops it
      }
      if (found.created !== undefined) return { replayed: null, created: fresh!.langs[found.created]! };
      const trace = openTrace(hop, found.reads[0]);
      if (!found.locked) return { replayed: null, token: null, ...trace };
      const [raw = null, lang = null] = found.lockedReads;
      return {
        replayed: null,
        token,
        ...trace,
        raw,
        record: openRecord(raw, who, fresh),
        cachedLang: () => langOfRef(who, lang ?? undefined),
      };
    },
    /** The phone's dialogs, read without the lock (to see whether an SMS reply reaches any). */
    async loadDialog(
      who: Subscriber,
      fresh?: FreshDialogs,
    ): Promise<{ raw: string | null; record: DialogRecord | null }> {
      const raw = await kv.get(who.dialogKey);
      return { raw, record: openRecord(raw, who, fresh) };
    },
    unlock: (who: Subscriber, token: string) => kv.deleteIfEquals(who.lockKey, token),

    /**
     * Saves the dialogs, the hop's reply and the session's path trace in one
     * atomic step, only if the record is still the one that was loaded, and releases the lock.
     * With nothing live left the record is kept briefly (its END reply may be asked again).
     * `fresh` says the record is only the hop's provider's new dialog in that language, shown
     * its first screen: both are then written as references.
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
      fresh?: { dialogs: FreshDialogs; lang: Lang | null };
    }): Promise<boolean> {
      const { who, hop, fresh } = c;
      const { dialogKey, lockKey, langKey } = who;
      const ref = fresh && langRef(who, fresh.lang);
      const dialogValue =
        fresh && hop
          ? freshDialogRef(fresh.dialogs, hop.provider, c.record.dialogs[hop.provider]?.savedAt ?? Date.now(), ref!)
          : box.seal(JSON.stringify(c.record), dialogKey);
      const writes = [{ key: dialogKey, value: dialogValue, ttlMs: c.anyLive ? opts.dialogTtlMs : 1000 }];
      if (c.lookedUpLang !== undefined)
        writes.push({ key: langKey, value: langRef(who, c.lookedUpLang), ttlMs: CALLER_LANG_TTL_MS });
      if (hop && c.reply) {
        writes.push({
          key: hop.key,
          value:
            fresh && ref
              ? freshReplyRef(fresh.dialogs, ref)
              : box.seal(JSON.stringify({ text: c.reply.text, end: c.reply.end }), hop.key),
          ttlMs: SESSION_TTL_MS,
        });
        writes.push({
          key: hop.sessionKey,
          value: sealTrace(hop, c.reply.end ? c.reply.lang : null),
          ttlMs: SESSION_TTL_MS,
        });
      }
      // COMMIT: releasing the lock in the same step saves a round trip on every hop.
      return kv.commit(writes, { key: dialogKey, equals: c.previousRaw }, { key: lockKey, value: c.lockToken });
    },
  };
}

export type DialogStore = ReturnType<typeof createDialogStore>;
