/**
 * What the chaos tests send to the service while a dependency is down: USSD
 * hops and API calls bounded in time (no answer in time is status 0, never a
 * hang), the check that an answer is a valid USSD screen that came within the
 * telco deadline, and a /health poll for the recovery.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { TestService } from './test-service.js';

/** USSD screens longer than this are cut by the handset or refused by the telco. */
const MAX_SCREEN = 182;

export interface Answer {
  status: number;
  text: string;
  ms: number;
  retryAfter: string | null;
}

/**
 * A client for the service `svc()` returns (read at each call, so it can be
 * made before beforeAll starts the service). A hop must answer within
 * `deadlineMs` (the service's USSD_HOP_DEADLINE_MS) plus `slackMs` for a loaded machine.
 */
export function createChaosClient(
  svc: () => TestService,
  { deadlineMs, slackMs }: { deadlineMs: number; slackMs: number },
) {
  const hopLimitMs = deadlineMs + slackMs;

  /** POSTs and reads the answer; no answer within `limitMs` is status 0. */
  async function timedPost(path: string, contentType: string, body: string, limitMs = hopLimitMs): Promise<Answer> {
    const started = Date.now();
    try {
      const res = await fetch(`${svc().url}${path}`, {
        method: 'POST',
        headers: { 'content-type': contentType },
        body,
        signal: AbortSignal.timeout(limitMs),
      });
      return {
        status: res.status,
        text: await res.text(),
        ms: Date.now() - started,
        retryAfter: res.headers.get('retry-after'),
      };
    } catch (err) {
      return {
        status: 0,
        text: `no answer within ${limitMs} ms (${(err as Error).name})`,
        ms: Date.now() - started,
        retryAfter: null,
      };
    }
  }

  const form = (fields: Record<string, string>) => String(new URLSearchParams(fields));

  /** One Africa's Talking hop (cumulative `text`), bounded by the hop limit. */
  const atHop = (session: string, who: string, text: string) =>
    timedPost(
      '/gateways/africastalking/ussd',
      'application/x-www-form-urlencoded',
      form({ sessionId: session, serviceCode: '*384*1#', phoneNumber: who, networkCode: '60801', text }),
    );

  /** One Hubtel hop, bounded by the hop limit. */
  const hubtelHop = (session: string, who: string, type: string, message: string, sequence: number) =>
    timedPost(
      '/gateways/hubtel/ussd',
      'application/json',
      JSON.stringify({
        Type: type,
        Message: message,
        ServiceCode: '713',
        Operator: 'mtn',
        Mobile: who.slice(1),
        SessionId: session,
        Sequence: sequence,
      }),
    );

  const json = (path: string, body: unknown, limitMs?: number) =>
    timedPost(path, 'application/json', JSON.stringify(body), limitMs);

  /**
   * null when `r` is a valid USSD answer (a 200 with a non-empty screen a telco can show)
   * that arrived within the hop limit and, when `mustEnd`, closes the session; otherwise what is wrong.
   * `label` names the hop in a failure.
   */
  function hopProblem(label: string, r: Answer, opts: { hubtel?: boolean; mustEnd: boolean }): string | null {
    if (r.status !== 200) return `${label}: status ${r.status} after ${r.ms} ms: ${r.text.slice(0, 100)}`;
    if (r.ms > hopLimitMs) return `${label}: answered after ${r.ms} ms (deadline ${deadlineMs} ms)`;
    let end: boolean;
    let screen: unknown;
    if (opts.hubtel) {
      const body = JSON.parse(r.text) as { Type?: unknown; Message?: unknown };
      if (body.Type !== 'Release' && body.Type !== 'Response')
        return `${label}: not a Hubtel reply: ${r.text.slice(0, 100)}`;
      end = body.Type === 'Release';
      screen = body.Message;
    } else {
      if (!/^(CON|END) \S/.test(r.text)) return `${label}: not a CON/END screen: ${r.text.slice(0, 100)}`;
      end = r.text.startsWith('END ');
      screen = r.text.slice(4);
    }
    if (typeof screen !== 'string' || screen.length === 0 || screen.length > MAX_SCREEN)
      return `${label}: bad screen text: ${r.text.slice(0, 100)}`;
    return opts.mustEnd && !end ? `${label}: expected an END, got: ${r.text.slice(0, 100)}` : null;
  }

  /** Dials and picks the PIN reset on a new AT session until the code is sent; returns the session and the code. */
  async function dialToCode(phone: string, sessionId = `ATUid_${randomUUID()}`) {
    expect((await atHop(sessionId, phone, '')).text).toMatch(/^CON Molam ID/);
    expect((await atHop(sessionId, phone, '1')).text).toMatch(/^CON .*code/i);
    return { sessionId, otp: await svc().lastOtpFor(phone) };
  }

  /** Polls /health until it answers `status` or `withinMs` has passed; returns the last answer. */
  async function waitForHealth(status: number, withinMs: number) {
    let last: { status: number; body: any } | undefined;
    for (const until = Date.now() + withinMs; Date.now() < until;) {
      last = await svc().get('/health');
      if (last.status === status) return last;
      await new Promise((r) => setTimeout(r, 200));
    }
    return last!;
  }

  return { timedPost, form, atHop, hubtelHop, json, hopProblem, dialToCode, waitForHealth };
}
