/**
 * Fuzzing every gateway webhook with fast-check: ~10,000 generated and mutated
 * payloads (wrong types, missing and extra fields, huge and non-UTF-8 text,
 * invalid percent-encoding, '*' and '#' inside inputs, replayed and reordered hops).
 *
 * - In-process (pure): the provider parsers (USSD and SMS webhooks alike),
 *   latestInput and the screen renderers — most of the volume.
 * - Over HTTP against ONE started service in embedded mode (PGlite + in-process
 *   store), then a smaller run against the real Postgres and Redis.
 * The SMS webhooks have parsers but no HTTP route yet (src/http/routes), so they
 * are fuzzed in-process only.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAfricasTalkingInboundSms } from '../../gateways/sms/africastalking-sms-inbound.js';
import {
  latestInput,
  parseAfricasTalkingSessionEnd,
  parseAfricasTalkingUssd,
  renderAfricasTalkingUssd,
} from '../../gateways/ussd/africastalking-ussd.js';
import { parseAfricasTalkingDeliveryReport, parseTwilioStatusCallback } from '../../gateways/sms/delivery-reports.js';
import { GatewayError } from '../../gateways/gateway-error.js';
import { parseHubtelUssd, renderHubtelUssd } from '../../gateways/ussd/hubtel-ussd.js';
import { arkeselUssd } from '../../gateways/ussd/arkesel-ussd.js';
import { naloUssd } from '../../gateways/ussd/nalo-ussd.js';
import { classifyReply } from '../../gateways/sms/inbound-sms.js';
import { parseTwilioInbound } from '../../gateways/sms/twilio-inbound.js';
import { LANGS, type Screen, type ScreenId } from '../../machines/types.js';
import { politeEnd } from '../../src/dialogs/polite-end.js';
import { NOT_ME_WORDS } from '../../src/i18n/languages.js';
import { renderUssdScreen, USSD_CATALOGS } from '../../src/i18n/render-ussd-screen.js';
import { createUserQueries } from '../../src/queries/users.queries.js';
import { previousPathOf } from '../support/previous-path.js';
import { startTestService, type TestService } from '../support/test-service.js';
import {
  answerProblem,
  arkeselFields,
  atDeliveryFields,
  atEventsFields,
  atSmsInboundFields,
  atUssdFields,
  DEMO_PHONES,
  hubtelFields,
  ROUTE_PATH,
  naloFields,
  twilioInboundFields,
  twilioStatusFields,
  USSD_MAX,
  ussdInput,
  wirePayload,
  type WireAnswer,
  type WirePayload,
} from './arbitraries.js';

// ---- In-process: parsers and renderers ----------------------------------------------

/** Runs a parser: a payload it refuses must be a GatewayError with a 4xx; anything else thrown is a bug. */
function parseOrRefuse<T>(parse: () => T): T | null {
  try {
    return parse();
  } catch (err) {
    if (err instanceof GatewayError && (err.status === 400 || err.status === 413)) return null;
    throw err;
  }
}

const VISIBLE_ID = /^[\x21-\x7E]{1,128}$/;
const PHONE = /^\+?\d{6,20}$/;
/** Well-formed UTF-16 (no lone surrogate), no U+FFFD, no control character. */
const clean = (s: string) =>
  Buffer.from(s, 'utf8').toString('utf8') === s && !s.includes('\uFFFD') && !/\p{Cc}/u.test(s);

const RUNS = {
  atUssd: 1000,
  atEvents: 800,
  hubtel: 1200,
  ghana: 600,
  atSms: 600,
  atDelivery: 500,
  twilioInbound: 600,
  twilioStatus: 500,
  latest: 600,
  render: 1200,
};

describe('gateway parsers, in-process (pure, 6,400 payloads)', () => {
  it(`turns ${RUNS.atUssd} mutated Africa's Talking USSD callbacks into a clean DialogEvent or a 4xx GatewayError`, () => {
    fc.assert(
      fc.property(atUssdFields, (fields) => {
        const event = parseOrRefuse(() => parseAfricasTalkingUssd(fields));
        if (!event) return;
        expect(event.providerSessionId).toMatch(VISIBLE_ID);
        expect(event.phone).toMatch(PHONE);
        expect(event.hopId.length).toBeLessThanOrEqual(1000);
        expect(clean(event.hopId)).toBe(true);
        expect(event.newSession).toBe(event.hopId === '');
        expect(event.input === null).toBe(event.newSession);
        if (event.input !== null) expect(event.hopId.endsWith(event.input)).toBe(true);
      }),
      { numRuns: RUNS.atUssd },
    );
  });

  it(`turns ${RUNS.atEvents} mutated AT end-of-session notifications into a UssdSessionEnd or a 4xx GatewayError`, () => {
    fc.assert(
      fc.property(atEventsFields, (fields) => {
        const end = parseOrRefuse(() => parseAfricasTalkingSessionEnd(fields));
        if (!end) return;
        expect(end.providerSessionId).toMatch(VISIBLE_ID);
        expect(end.phone).toMatch(PHONE);
        expect(['incomplete', 'success', 'failed']).toContain(end.status);
        for (const n of [end.hops, end.durationMs])
          if (n !== undefined) expect(Number.isSafeInteger(n) && n >= 0).toBe(true);
        if (end.errorMessage !== undefined)
          expect(clean(end.errorMessage) && [...end.errorMessage].length <= 300).toBe(true);
      }),
      { numRuns: RUNS.atEvents },
    );
  });

  it(`turns ${RUNS.hubtel} mutated Hubtel requests into a hop or a session end, or a 4xx GatewayError`, () => {
    fc.assert(
      fc.property(hubtelFields, (fields) => {
        const request = parseOrRefuse(() => parseHubtelUssd(fields));
        if (!request) return;
        if (request.kind === 'end') {
          expect(request.end.phone).toMatch(PHONE);
          return;
        }
        const { event } = request;
        expect(event.providerSessionId).toMatch(VISIBLE_ID);
        expect(event.phone).toMatch(PHONE);
        expect(clean(event.hopId)).toBe(true);
        expect(event.hopId).toMatch(/^\d{1,6}:/);
        if (event.input !== null) expect(clean(event.input)).toBe(true);
      }),
      { numRuns: RUNS.hubtel },
    );
  });

  it.each([
    { gateway: arkeselUssd, fields: arkeselFields },
    { gateway: naloUssd, fields: naloFields },
  ])(`turns ${RUNS.ghana} mutated $gateway.name requests into a hop or a 4xx GatewayError`, ({ gateway, fields }) => {
    fc.assert(
      fc.property(fields, (f) => {
        const request = parseOrRefuse(() => gateway.parse(f, new Date()));
        if (!request) return;
        if (request.kind !== 'hop') throw new Error(`${gateway.name} has no session-end request`);
        const { event } = request;
        expect(event.providerSessionId).toMatch(VISIBLE_ID);
        expect(event.phone).toMatch(PHONE);
        expect(event.hopId === '').toBe(event.newSession);
        expect(event.input === null).toBe(event.newSession);
        if (event.input !== null) expect(clean(event.input) && event.input.length <= USSD_MAX).toBe(true);
      }),
      { numRuns: RUNS.ghana },
    );
  });

  it(`turns ${RUNS.atSms + RUNS.twilioInbound} mutated inbound SMS (AT and Twilio) into a clean InboundSms that classifies, or a 4xx`, () => {
    const check =
      (parse: (fields: unknown) => { from: string; text: string; providerMessageId: string }) =>
      (fields: Record<string, unknown>) => {
        const sms = parseOrRefuse(() => parse(fields));
        if (!sms) return;
        expect(sms.from).toMatch(PHONE);
        expect(clean(sms.text) && clean(sms.providerMessageId)).toBe(true);
        const kind = classifyReply(sms.text, NOT_ME_WORDS);
        expect(kind === 'not_me' || kind === 'other' || /^\d{6}$/.test(kind.code)).toBe(true);
      };
    fc.assert(fc.property(atSmsInboundFields, check(parseAfricasTalkingInboundSms)), { numRuns: RUNS.atSms });
    fc.assert(fc.property(twilioInboundFields, check(parseTwilioInbound)), { numRuns: RUNS.twilioInbound });
  });

  const checkReport =
    (parse: (fields: unknown) => { status: unknown; providerMessageId: string }) =>
    (fields: Record<string, unknown>) => {
      const report = parseOrRefuse(() => parse(fields));
      if (!report) return;
      expect(['delivered', 'failed', 'pending']).toContain(report.status);
      expect(clean(report.providerMessageId)).toBe(true);
    };

  it(`turns ${RUNS.atDelivery} mutated AT delivery reports into a DeliveryReport with a known status, or a 4xx`, () => {
    fc.assert(fc.property(atDeliveryFields, checkReport(parseAfricasTalkingDeliveryReport)), {
      numRuns: RUNS.atDelivery,
    });
  });

  it(`turns ${RUNS.twilioStatus} mutated Twilio status callbacks into a DeliveryReport with a known status, or a 4xx`, () => {
    fc.assert(fc.property(twilioStatusFields, checkReport(parseTwilioStatusCallback)), { numRuns: RUNS.twilioStatus });
  });
});

describe('input recovery and screen rendering, in-process (pure, 1,800 cases)', () => {
  it(`recovers each typed input from AT's cumulative text, '*' and '#' included (${RUNS.latest} sessions)`, () => {
    fc.assert(
      fc.property(fc.array(ussdInput, { minLength: 1, maxLength: 6 }), (inputs) => {
        let previous = '';
        for (const input of inputs) {
          const text = previous === '' ? input : `${previous}*${input}`;
          // An empty first answer leaves the text at "" (AT's dial): nothing to recover.
          if (text !== '') expect(latestInput(text, previousPathOf(previous))).toBe(input);
          previous = text;
        }
      }),
      { numRuns: RUNS.latest },
    );
  });

  const screenIds = Object.keys(USSD_CATALOGS.en.screens) as ScreenId[];
  const errorIds = Object.keys(USSD_CATALOGS.en.errors);
  const screen: fc.Arbitrary<Screen> = fc.record({
    id: fc.constantFrom(...screenIds),
    end: fc.boolean(),
    params: fc.record(
      {
        page: fc.nat({ max: 12 }),
        error: fc.constantFrom(...errorIds),
        attemptsLeft: fc.integer({ min: -5, max: 1_000_000 }),
        retryAfterSeconds: fc.oneof(fc.nat({ max: 10_000_000 }), fc.double({ noNaN: false })),
        mismatchesLeft: fc.integer({ min: -1, max: 5 }),
        answersLeft: fc.integer({ min: -1, max: 5 }),
      },
      { requiredKeys: ['page'] },
    ),
  });

  it(`renders ${RUNS.render} screens with any parameters within ${USSD_MAX} characters, as valid AT and Hubtel replies, in fr and en`, () => {
    fc.assert(
      fc.property(screen, (s) => {
        for (const lang of LANGS) {
          const text = renderUssdScreen(s, lang);
          expect(text.trim().length).toBeGreaterThan(0);
          expect(text.length).toBeLessThanOrEqual(USSD_MAX);
          const reply = { text, end: s.end };
          expect(
            answerProblem('at_ussd', { status: 200, contentType: 'text/plain', body: renderAfricasTalkingUssd(reply) }),
          ).toBeNull();
          expect(
            answerProblem('hubtel', {
              status: 200,
              contentType: 'application/json',
              body: JSON.stringify(renderHubtelUssd(reply)),
            }),
          ).toBeNull();
          for (const [route, gateway] of [
            ['arkesel', arkeselUssd],
            ['nalo', naloUssd],
          ] as const) {
            const body = JSON.stringify(
              gateway.render(reply, {
                sessionID: 's',
                userID: 'u',
                msisdn: '233200000000',
                USERID: 'u',
                MSISDN: '233200000000',
              }),
            );
            expect(answerProblem(route, { status: 200, contentType: 'application/json', body })).toBeNull();
          }
        }
      }),
      { numRuns: RUNS.render },
    );
    for (const why of ['busy', 'slow', 'unavailable'] as const) {
      for (const lang of LANGS) expect(politeEnd(why, lang).text.length).toBeLessThanOrEqual(USSD_MAX);
    }
  });
});

// ---- Over HTTP -------------------------------------------------------------------

/** High limits: the fuzzer should reach deep screens, not the rate limiter. */
const HIGH = { points: 1_000_000, durationSeconds: 60 };
const LIMITS = {
  startPerIdentifier: HIGH,
  startPerIp: HIGH,
  verifyPerIp: HIGH,
  otpFailuresPerUser: HIGH,
  completePerIp: HIGH,
  knowledgeFailuresPerPhone: HIGH,
};

async function deliver(base: string, p: WirePayload): Promise<WireAnswer> {
  const headers: Record<string, string> = p.contentType === null ? {} : { 'content-type': p.contentType };
  const res = await fetch(`${base}${ROUTE_PATH[p.route]}`, {
    method: 'POST',
    headers,
    body: p.body,
    signal: AbortSignal.timeout(15_000),
  });
  return { status: res.status, contentType: res.headers.get('content-type'), body: await res.text() };
}

/** Batches of 10 payloads in flight at once; every answer must be valid for its webhook. */
async function fuzzWire(svc: TestService, batches: number) {
  await fc.assert(
    fc.asyncProperty(fc.array(wirePayload, { minLength: 10, maxLength: 10 }), async (batch) => {
      const answers = await Promise.all(batch.map((p) => deliver(svc.url, p)));
      const problems = batch.flatMap((p, i) => {
        const problem = answerProblem(p.route, answers[i]!);
        return problem ? [`${p.route}: ${problem} <- ${p.note}`] : [];
      });
      expect(problems).toEqual([]);
    }),
    { numRuns: batches },
  );
}

const POLITE_ENDS = new Set(
  (['busy', 'slow', 'unavailable'] as const).flatMap((why) => LANGS.map((lang) => politeEnd(why, lang).text)),
);

/**
 * One USSD session's hops: the dial and each input, replayed and reordered at random. AT and
 * Hubtel only: Arkesel and Nalo send no sequence, so a replayed answer is a new answer by design
 * (gateways/ussd/no-sequence-hop-id.ts); their payloads are fuzzed on the wire above.
 */
const sessionPlan = fc.record({
  provider: fc.constantFrom('at_ussd' as const, 'hubtel' as const),
  sessionId: fc.uuid(),
  phone: fc.oneof(fc.constantFrom(...DEMO_PHONES), fc.stringMatching(/^\+2217[0678]\d{7}$/)),
  inputs: fc.array(ussdInput, { minLength: 1, maxLength: 6 }),
  order: fc.array(fc.nat({ max: 6 }), { minLength: 3, maxLength: 12 }),
});

type SessionPlan = typeof sessionPlan extends fc.Arbitrary<infer T> ? T : never;

function hopOf(plan: SessionPlan, i: number): WirePayload {
  if (plan.provider === 'at_ussd') {
    const text = plan.inputs.slice(0, i).join('*');
    const body = new URLSearchParams({
      sessionId: `ATUid_${plan.sessionId}`,
      phoneNumber: plan.phone,
      serviceCode: '*384*1#',
      networkCode: '60801',
      text,
    });
    return {
      route: 'at_ussd',
      contentType: 'application/x-www-form-urlencoded',
      body: new TextEncoder().encode(String(body)),
      note: `hop ${i}: ${JSON.stringify(text)}`,
    };
  }
  const message = i === 0 ? '*713#' : plan.inputs[i - 1]!;
  const body = JSON.stringify({
    Type: i === 0 ? 'Initiation' : 'Response',
    Message: message,
    ServiceCode: '713',
    Operator: 'mtn',
    Mobile: plan.phone.slice(1),
    SessionId: plan.sessionId,
    Sequence: i + 1,
  });
  return {
    route: 'hubtel',
    contentType: 'application/json',
    body: new TextEncoder().encode(body),
    note: `hop ${i}: ${JSON.stringify(message)}`,
  };
}

/** Sessions sent hop by hop in a random order with replays: valid answers, and a replay answers like the original. */
async function fuzzSessions(svc: TestService, sessions: number) {
  await fc.assert(
    fc.asyncProperty(sessionPlan, async (plan) => {
      const first = new Map<number, string>();
      const problems: string[] = [];
      // The natural order first (reaching deep screens), then the random replays and reorders.
      for (const i of [...plan.inputs.keys(), plan.inputs.length, ...plan.order].map(
        (n) => n % (plan.inputs.length + 1),
      )) {
        const hop = hopOf(plan, i);
        const answer = await deliver(svc.url, hop);
        const problem = answerProblem(hop.route, answer);
        if (problem) problems.push(`${problem} <- ${hop.note}`);
        if (answer.status !== 200) continue;
        const screen =
          hop.route === 'hubtel' ? (JSON.parse(answer.body) as { Message: string }).Message : answer.body.slice(4);
        // A runtime END (busy, slow, outage) is not stored: a retry may rightly get the real screen.
        if (POLITE_ENDS.has(screen)) continue;
        const seen = first.get(i);
        if (seen === undefined) first.set(i, answer.body);
        else if (seen !== answer.body)
          problems.push(`replayed ${hop.note} answered ${JSON.stringify(answer.body)}, first ${JSON.stringify(seen)}`);
      }
      expect(problems).toEqual([]);
    }),
    { numRuns: sessions },
  );
}

/** The service still answers, and logged no error (a failed hop or an unhandled error is a bug in embedded mode). */
async function expectHealthyAndQuiet(svc: TestService) {
  expect((await svc.get('/health')).status).toBe(200);
  const errors = svc.logs.flatMap((chunk) => chunk.split('\n')).filter((line) => /"level":(50|60)/.test(line));
  expect(errors.map((line) => line.slice(0, 300))).toEqual([]);
}

describe('webhooks over HTTP, embedded service (PGlite + in-process store)', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService({ embedded: true, limits: LIMITS, env: { LOG_LEVEL: 'warn' } });
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it('answers 2,400 raw payloads across the AT USSD, AT events, Hubtel, Arkesel and Nalo webhooks with a valid reply or a 4xx JSON error, never a 5xx', async () => {
    await fuzzWire(svc, 240);
  }, 60_000);

  it('answers 40 sessions of replayed and reordered hops (~500 hops) validly, a replay with the same reply as the original', async () => {
    await fuzzSessions(svc, 40);
  }, 60_000);

  it('still answers /health 200 and logged no failed hop or unhandled error', async () => {
    await expectHealthyAndQuiet(svc);
  });
});

describe('webhooks over HTTP, real Postgres and Redis', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService({ limits: LIMITS, env: { LOG_LEVEL: 'warn' } });
    for (const phone of DEMO_PHONES)
      await createUserQueries(svc.app.db).upsertUser({ phone, language: phone.startsWith('+221') ? 'fr' : 'en' });
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it('answers 300 raw payloads across every USSD webhook with a valid reply or a 4xx JSON error, never a 5xx', async () => {
    await fuzzWire(svc, 30);
  }, 60_000);

  it('answers 10 sessions of replayed and reordered hops validly, a replay with the same reply as the original', async () => {
    await fuzzSessions(svc, 10);
  }, 60_000);

  it('still answers /health 200 and logged no failed hop or unhandled error', async () => {
    await expectHealthyAndQuiet(svc);
  });
});
