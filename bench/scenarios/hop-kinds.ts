/**
 * The hop kinds issue 12 measures besides the plain first dial: a first dial
 * of a caller seen recently (profile cached, dialog gone), a redial onto a
 * live dialog, and a hop that only restores and transitions (an invalid menu
 * choice). Each round's phones are prepared untimed, then hopped once each.
 */
import type { Redis } from 'ioredis';
import { atForm, maxLoad } from '../lib.js';
import { scanKeys } from '../setup.js';
import type { HopKind, Target } from './hops.js';

const tag = Math.random().toString(36).slice(2, 8);
const sessionOf = (kind: string, round: number, phone: string) => `ATUid_${tag}_${kind}_${round}_${phone.slice(-7)}`;
let fresh = 0;
const newSession = () => `ATUid_${tag}_new_${fresh++}`;

/** One dial per phone on the kind's own session, at max load (not measured). */
async function dialAll(t: Target, kind: string, phones: string[], round: number) {
  let i = 0;
  const body = () => {
    const p = phones[i++ % phones.length]!;
    return atForm(sessionOf(kind, round, p), p, '');
  };
  const r = await maxLoad(t.url, t.path, body, { connections: 32, seconds: 60, amount: phones.length });
  if (r.bad) throw new Error(`${t.name}: ${r.bad} bad replies preparing ${kind}`);
}

export function hopKinds(
  redis: Redis,
  prefixOf: (t: Target) => string,
): Record<'cachedFirstDial' | 'redial' | 'restore', HopKind> {
  return {
    // The dialog expired (keys deleted here) while what the first dial cached about the caller is still there.
    cachedFirstDial: {
      async prepare(t, phones, round) {
        await dialAll(t, 'cached', phones, round);
        const keys = await scanKeys(redis, `${prefixOf(t)}dialog:*`);
        for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
      },
      hop: (phone) => atForm(newSession(), phone, ''),
    },
    // A new session on a live dialog: the service resumes it (DIAL event).
    redial: {
      prepare: (t, phones, round) => dialAll(t, 'redial', phones, round),
      hop: (phone) => atForm(newSession(), phone, ''),
    },
    // The second hop of a session, an invalid choice: restore, transition, re-show the menu.
    restore: {
      prepare: (t, phones, round) => dialAll(t, 'restore', phones, round),
      hop: (phone, round) => atForm(sessionOf('restore', round, phone), phone, '9'),
    },
  };
}
