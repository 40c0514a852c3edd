/**
 * Full USSD PIN resets (dial → 1 → code → new PIN → confirm) by `users`
 * simulated users at once, each starting a new reset as soon as one ends,
 * against the instrumented service (bcrypt cost 12: one compare with the
 * current PIN on the new-PIN hop, one compare and one hash on the confirm
 * hop). Alongside: a light open-loop dial load, and the service's
 * event-loop delay histogram, both also measured before the resets start.
 */
import http from 'node:http';
import { atForm, fixedRate, getJson, pcts, phonePool, post, sleep } from '../lib.js';
import type { Target } from './hops.js';

export const NEW_PIN = '482915';
const FORM = 'application/x-www-form-urlencoded';
type Eld = { p50: number; p99: number; max: number };

/** The code the service sent (through the fake AT API) after answering the '1' hop. */
async function readCode(codeFor: (to: string) => string | null, to: string): Promise<string | null> {
  for (let i = 0; i < 500; i++) {
    const code = codeFor(to);
    if (code) return code;
    await sleep(10);
  }
  return null;
}

/** One reset; returns null when it ended on the done screen, else where it went wrong. */
async function resetOnce(
  t: Target,
  codeFor: (to: string) => string | null,
  phone: string,
  sid: string,
  agent: http.Agent,
): Promise<string | null> {
  const hop = async (text: string, expect: string) => {
    const r = await post(`${t.url}${t.path}`, atForm(sid, phone, text), FORM, {}, agent);
    return r.text.startsWith(expect) ? null : `${text || 'dial'} → ${r.status} ${r.text.slice(0, 60)}`;
  };
  const fail = (await hop('', 'CON Molam ID')) ?? (await hop('1', 'CON Entrez le code'));
  if (fail) return fail;
  const code = await readCode(codeFor, phone);
  if (!code) return 'no code captured';
  return (
    (await hop(`1*${code}`, 'CON Choisissez')) ??
    (await hop(`1*${code}*${NEW_PIN}`, 'CON Entrez encore')) ??
    (await hop(`1*${code}*${NEW_PIN}*${NEW_PIN}`, 'END Votre code PIN a ete modifie'))
  );
}

export async function resetFlow(
  t: Target,
  side: string,
  codeFor: (to: string) => string | null,
  o: { users: number; seconds: number; lightRate: number; idleSeconds: number; userFrom: number; lightFrom: number },
) {
  const light = phonePool(o.lightFrom, o.lightRate * (o.idleSeconds + o.seconds));
  let sid = 0;
  const dial = () => atForm(`light_${sid++}`, light(), '');
  await getJson(`${side}/eld/reset`);
  const idle = await fixedRate(t.url, t.path, dial, o.lightRate, o.idleSeconds);
  const eldIdle = await getJson<Eld>(`${side}/eld`);

  const agent = new http.Agent({ keepAlive: true, maxSockets: o.users });
  const users = phonePool(o.userFrom, 100_000);
  const durations: number[] = [];
  const failures: string[] = [];
  let late = 0;
  const end = performance.now() + o.seconds * 1000;
  const user = async (u: number) => {
    for (let i = 0; performance.now() < end; i++) {
      const t0 = performance.now();
      const failure = await resetOnce(t, codeFor, users(), `flow_${u}_${i}`, agent);
      // 'Traitement en cours' = the hop missed the telco deadline; the reset finishes in the background.
      if (failure?.includes('Traitement en cours')) late++;
      else if (failure) failures.push(failure);
      else durations.push(performance.now() - t0);
    }
  };
  await getJson(`${side}/eld/reset`);
  const t0 = performance.now();
  const [loaded] = await Promise.all([
    fixedRate(t.url, t.path, dial, o.lightRate, o.seconds),
    ...Array.from({ length: o.users }, (_, u) => user(u)),
  ]);
  const elapsed = (performance.now() - t0) / 1000;
  const eldLoad = await getJson<Eld>(`${side}/eld`);
  agent.destroy();
  const hops = (r: typeof idle) => ({ p50: r.p50, p99: r.p99, bad: r.bad, total: r.total });
  return {
    users: o.users,
    resets: durations.length,
    lateAnswers: late,
    failed: failures.length,
    failures: [...new Set(failures)].slice(0, 5),
    resetsPerSec: durations.length / elapsed,
    resetMs: pcts(durations),
    hopIdle: hops(idle),
    hopDuringResets: hops(loaded),
    eldIdle,
    eldDuringResets: eldLoad,
  };
}
