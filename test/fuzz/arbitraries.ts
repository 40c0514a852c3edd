/**
 * fast-check arbitraries for the fuzz tests: what handsets type, what telco
 * gateways send (well-formed, mutated, or as raw bytes on the wire), and the
 * oracles that decide whether an answer is a valid USSD reply.
 */
import fc from 'fast-check';

/** A 160-octet USSD payload in GSM 7-bit holds 182 characters. */
export const USSD_MAX = 182;

/** The embedded dev mode's seeded accounts (src/dev/seed.ts): dialogs with them go deep. */
export const DEMO_PHONES = ['+221770000001', '+254700000002'] as const;

// Characters that break naive code: lone surrogates, U+FFFD, NUL, ESC, zero-width, CR/LF.
const troublemaker = fc.constantFrom(
  '\uD800',
  '\uDFFF',
  '\uFFFD',
  '\u0000',
  '\u001b[31m',
  '\u200B',
  '\r\n',
  '\t',
  '\u0085',
  '😀',
);

/** One input as a handset (or a broken gateway) may send it: choices, codes, PINs, '*' and '#', unicode, controls, long text. */
export const ussdInput: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      '1',
      '2',
      '0',
      '00',
      '98',
      '99',
      '1990',
      '4826',
      '482617',
      '123456',
      '000000',
      '',
      ' ',
      ' 1 ',
      '#',
      '*',
      '**',
      '*#',
      '1#',
      '#1*2',
    ),
  },
  { weight: 4, arbitrary: fc.stringMatching(/^\d{1,8}$/) },
  { weight: 2, arbitrary: fc.stringMatching(/^[*#\d]{1,12}$/) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.string({ maxLength: 5 }), troublemaker, fc.string({ maxLength: 5 }))
      .map(([a, t, b]) => a + t + b),
  },
  { weight: 1, arbitrary: fc.string({ minLength: 150, maxLength: 1100 }) },
);

/** Africa's Talking's cumulative `text`: every input of the session joined with '*'. */
export const cumulativeText = fc.array(ussdInput, { maxLength: 6 }).map((inputs) => inputs.join('*'));

/** A value of the wrong type for a form or JSON field. */
export const wrongType: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), { maxKeys: 3 }),
  fc.jsonValue({ maxDepth: 3 }),
);

/** Subscriber numbers as providers write them, and garbage. */
export const phoneLike: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      ...DEMO_PHONES,
      '221770000001',
      '254700000002',
      '770000001',
      ' 221770000001',
      '+221 77 000 00 01',
      '0700000002',
    ),
  },
  { weight: 3, arbitrary: fc.stringMatching(/^\+2217[0678]\d{7}$/) },
  { weight: 2, arbitrary: fc.stringMatching(/^\+?\d{1,24}$/) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
);

export const sessionIdLike: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: fc.uuid().map((u) => `ATUid_${u}`) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
);

/** Words that are also Object.prototype members: a lookup table indexed by them answers a function. */
export const prototypeWord = fc.constantFrom(
  'toString',
  'constructor',
  '__proto__',
  'valueOf',
  'hasOwnProperty',
  'isPrototypeOf',
);

type Fields = Record<string, unknown>;

const mutation = fc.oneof(
  fc.record({ op: fc.constant('delete' as const), pick: fc.nat() }),
  fc.record({ op: fc.constant('retype' as const), pick: fc.nat(), value: wrongType }),
  fc.record({
    op: fc.constant('extra' as const),
    key: fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'TEXT', 'sessionid', 'mobile'),
    ),
    value: fc.oneof(wrongType, fc.string({ maxLength: 20 })),
  }),
  fc.record({ op: fc.constant('recase' as const), pick: fc.nat() }),
  fc.record({ op: fc.constant('huge' as const), pick: fc.nat(), size: fc.integer({ min: 100, max: 20_000 }) }),
);

/** `base` with 0-3 mutations: a field deleted, retyped, re-cased, made huge, or an extra field (even `__proto__`). */
export function mutated(base: fc.Arbitrary<Fields>): fc.Arbitrary<Fields> {
  return fc.tuple(base, fc.array(mutation, { maxLength: 3 })).map(([fields, mutations]) => {
    const out: Fields = { ...fields };
    for (const m of mutations) {
      const keys = Object.keys(out);
      const key = keys.length > 0 ? keys[('pick' in m ? m.pick : 0) % keys.length]! : undefined;
      if (m.op === 'extra')
        Object.defineProperty(out, m.key, { value: m.value, enumerable: true, writable: true, configurable: true });
      else if (key === undefined) continue;
      else if (m.op === 'delete') delete out[key];
      else if (m.op === 'retype') out[key] = m.value;
      else if (m.op === 'recase') {
        const v = out[key];
        delete out[key];
        out[key.toUpperCase()] = v;
      } else out[key] = 'x'.repeat(m.size);
    }
    return out;
  });
}

const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const defined = (fields: Fields): Fields =>
  Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));

/** Africa's Talking USSD callback fields (decoded), well-formed or mutated. */
export const atUssdFields = mutated(
  fc
    .record({
      sessionId: sessionIdLike,
      phoneNumber: phoneLike,
      serviceCode: optional(fc.constantFrom('*384*1#', '', '*123#')),
      networkCode: optional(fc.constantFrom('60801', '63902', '')),
      text: optional(cumulativeText),
    })
    .map(defined),
);

/** Africa's Talking end-of-session notification fields. */
export const atEventsFields = mutated(
  fc
    .record({
      sessionId: sessionIdLike,
      phoneNumber: phoneLike,
      status: fc.oneof(
        fc.constantFrom('Incomplete', 'Success', 'Failed', 'success', '', 'Weird'),
        fc.string({ maxLength: 10 }),
        prototypeWord,
      ),
      hopsCount: fc.oneof(fc.nat().map(String), fc.string({ maxLength: 6 }), fc.nat()),
      durationInMillis: fc.oneof(fc.nat().map(String), fc.string({ maxLength: 6 })),
      errorMessage: optional(fc.string({ maxLength: 400 })),
      input: optional(cumulativeText),
      lastAppResponse: optional(fc.string({ maxLength: 190 })),
      date: optional(fc.constant('2026-11-25 10:00:00')),
      cost: optional(fc.constant('KES 0.10')),
      serviceCode: optional(fc.constant('*384*1#')),
    })
    .map(defined),
);

/** Hubtel Programmable Services request fields (JSON). */
export const hubtelFields = mutated(
  fc
    .record({
      Type: fc.oneof(
        {
          weight: 5,
          arbitrary: fc.constantFrom('Initiation', 'Response', 'Release', 'Timeout', 'initiation', 'RESPONSE'),
        },
        { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
        { weight: 1, arbitrary: prototypeWord },
      ),
      Message: fc.oneof(ussdInput, fc.constant(null), fc.constant('*713#')),
      ServiceCode: optional(fc.constantFrom('713', '*713#', '')),
      Operator: optional(fc.constantFrom('mtn', 'vodafone', 'airteltigo', '')),
      ClientState: optional(fc.string({ maxLength: 50 })),
      Mobile: phoneLike.map((p) => p.replace(/^\+/, '')),
      SessionId: sessionIdLike,
      Sequence: fc.oneof(
        fc.nat({ max: 30 }),
        fc.nat({ max: 30 }).map(String),
        fc.integer(),
        fc.string({ maxLength: 4 }),
      ),
      Platform: optional(fc.constant('USSD')),
    })
    .map(defined),
);

/** A JSON flag as the Ghana aggregators send it (boolean), or as a relay might (string), or wrong. */
const flagLike = fc.oneof(
  { weight: 5, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constantFrom('true', 'false', 'yes', 1, 0) },
);

/** Arkesel USSD request fields (JSON). */
export const arkeselFields = mutated(
  fc
    .record({
      sessionID: sessionIdLike,
      userID: fc.constantFrom('MOLAM_USSD', ''),
      newSession: flagLike,
      msisdn: phoneLike.map((p) => p.replace(/^\+/, '')),
      userData: fc.oneof(ussdInput, fc.constant('*928*93#'), fc.constant(null)),
      network: optional(fc.constantFrom('MTN', 'Vodafone', 'AirtelTigo', '')),
    })
    .map(defined),
);

/** Nalo USSD request fields (JSON). */
export const naloFields = mutated(
  fc
    .record({
      USERID: fc.constantFrom('NALOTest', ''),
      MSISDN: phoneLike.map((p) => p.replace(/^\+/, '')),
      USERDATA: fc.oneof(ussdInput, fc.constant('*920*100#'), fc.constant(null)),
      MSGTYPE: flagLike,
      NETWORK: optional(fc.constantFrom('MTN', 'VODAFONE', '')),
      SESSIONID: sessionIdLike,
    })
    .map(defined),
);

const hex32 = fc.stringMatching(/^[0-9a-f]{32}$/);

/** Africa's Talking inbound SMS fields. */
export const atSmsInboundFields = mutated(
  fc
    .record({
      from: phoneLike,
      to: fc.constantFrom('20880', '+254711082000', ''),
      text: optional(fc.oneof(ussdInput, fc.constantFrom('STOP', 'non', 'Pas moi', '123 456'))),
      date: optional(fc.constant('2026-11-25 10:00:00')),
      id: sessionIdLike,
      linkId: optional(fc.oneof(sessionIdLike, fc.constant(''))),
      networkCode: optional(fc.constant('63902')),
    })
    .map(defined),
);

/** Africa's Talking SMS delivery report fields. */
export const atDeliveryFields = mutated(
  fc
    .record({
      id: sessionIdLike,
      status: fc.oneof(
        fc.constantFrom('Success', 'Failed', 'Rejected', 'Buffered', 'Sent', 'Submitted'),
        fc.string({ maxLength: 12 }),
        prototypeWord,
      ),
      phoneNumber: optional(phoneLike),
      networkCode: optional(fc.constant('63902')),
      failureReason: optional(fc.constantFrom('InsufficientCredit', 'UserInBlacklist', '')),
    })
    .map(defined),
);

/** Twilio inbound SMS parameters. */
export const twilioInboundFields = mutated(
  fc
    .record({
      MessageSid: optional(hex32.map((h) => `SM${h}`)),
      SmsSid: optional(hex32.map((h) => `SM${h}`)),
      AccountSid: optional(hex32.map((h) => `AC${h}`)),
      From: phoneLike,
      To: fc.constantFrom('+15005550006', ''),
      Body: optional(fc.oneof(ussdInput, fc.constantFrom('STOP', '123456', ' 123 456 '))),
    })
    .map(defined),
);

/** Twilio status callback parameters. */
export const twilioStatusFields = mutated(
  fc
    .record({
      MessageSid: fc.oneof(
        hex32.map((h) => `SM${h}`),
        fc.string({ maxLength: 40 }),
      ),
      MessageStatus: fc.oneof(
        fc.constantFrom('delivered', 'undelivered', 'failed', 'sent', 'read', 'canceled'),
        fc.string({ maxLength: 12 }),
        prototypeWord,
      ),
      ErrorCode: optional(fc.oneof(fc.constantFrom('30003', '21610', ''), fc.string({ maxLength: 6 }))),
      To: optional(phoneLike),
    })
    .map(defined),
);

// ---- On the wire ----------------------------------------------------------------

/** The webhooks reachable over HTTP (src/http/routes): one USSD hop route per provider, plus AT's session end. */
export type Route = 'at_ussd' | 'at_events' | 'hubtel' | 'arkesel' | 'nalo';
export const ROUTE_PATH: Record<Route, string> = {
  at_ussd: '/gateways/africastalking/ussd',
  at_events: '/gateways/africastalking/ussd/events',
  hubtel: '/gateways/hubtel/ussd',
  arkesel: '/gateways/arkesel/ussd',
  nalo: '/gateways/nalo/ussd',
};

export interface WirePayload {
  route: Route;
  contentType: string | null;
  body: Uint8Array;
  /** What the payload is, for a failure message. */
  note: string;
}

const FORM = 'application/x-www-form-urlencoded';
const contentTypes = (usual: string) =>
  fc.oneof(
    { weight: 8, arbitrary: fc.constant(usual) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        `${FORM}; charset=utf-8`,
        `${FORM}; charset=latin1`,
        'application/json',
        'application/json; charset=utf-16',
        'text/plain',
        'multipart/form-data; boundary=x',
        'application/xml',
        'application/x-www-form-urlencoded;;',
        FORM,
      ),
    },
    { weight: 1, arbitrary: fc.constant(null) },
  );

const utf8 = (s: string) => new TextEncoder().encode(s);
const rawBytes = fc.uint8Array({ maxLength: 300 });

/** encodeURIComponent that also writes a lone surrogate, as its (invalid) WTF-8 bytes, instead of throwing. */
function percent(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    out +=
      cp >= 0xd800 && cp <= 0xdfff
        ? [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)]
            .map((b) => `%${b.toString(16).toUpperCase()}`)
            .join('')
        : encodeURIComponent(ch);
  }
  return out;
}

/** Encodes form fields in the ways gateways and attackers do (style per field: standard, raw, badPercent, qs, latin1). */
const asText = (v: unknown): string => (typeof v === 'string' ? v : (JSON.stringify(v) ?? ''));

function encodeForm(fields: Fields, styles: string[], extras: string[]): string {
  const parts = Object.entries(fields).map(([k, v], i) => {
    const value = asText(v);
    const style = styles[i % Math.max(1, styles.length)] ?? 'standard';
    // Unescaped: '&', '=', '+', '%' and '#' as typed (latin1 then turns the body into non-UTF-8 bytes).
    if (style === 'raw' || style === 'latin1') return `${k}=${value}`;
    if (style === 'badPercent') return `${percent(k)}=${percent(value)}%${['', 'Z', 'E0%A4', 'C3', 'ZZ'][i % 5]}`;
    // qs syntax: nested and array keys turn into objects and arrays server-side.
    if (style === 'qs' || Array.isArray(v))
      return (Array.isArray(v) ? v : [v]).map((x) => `${percent(k)}[]=${percent(asText(x))}`).join('&');
    return `${percent(k)}=${percent(value)}`;
  });
  return [...parts, ...extras].join('&');
}

const formExtras = fc.array(
  fc.constantFrom(
    'text[a]=1',
    'phoneNumber[]=1',
    'sessionId[0]=x&sessionId[1]=y',
    '__proto__[admin]=1',
    'constructor[prototype][x]=1',
    'a[b][c][d][e][f][g]=1',
    'text=1&text=2',
    '=',
    '&&&',
    '%%%',
    'text',
    'sessionId=%00',
    'x=%C0%80',
    'text=%E2%28%A1',
  ),
  { maxLength: 3 },
);

/** A form body for `fields`, sometimes with raw bytes (non-UTF-8) spliced in. */
function formWire(route: Route, fields: fc.Arbitrary<Fields>): fc.Arbitrary<WirePayload> {
  return fc
    .record({
      fields,
      styles: fc.array(fc.constantFrom('standard', 'standard', 'raw', 'badPercent', 'qs', 'latin1'), { maxLength: 6 }),
      extras: formExtras,
      contentType: contentTypes(FORM),
      splice: optional(rawBytes),
      huge: fc.nat({ max: 30 }),
    })
    .map(({ fields: f, styles, extras, contentType, splice, huge }) => {
      let text = encodeForm(f, styles, extras);
      if (huge === 0) text += `&text=${'1*'.repeat(9000)}`;
      const latin1 = styles.includes('latin1');
      const bytes = latin1 ? Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff) : utf8(text);
      const body = splice ? Uint8Array.from([...bytes, ...utf8('&text='), ...splice]) : bytes;
      return {
        route,
        contentType,
        body,
        note: `form ${contentType} ${JSON.stringify(text.slice(0, 300))}${splice ? ` + ${splice.length} raw bytes` : ''}`,
      };
    });
}

/** A JSON body for `fields`, or broken JSON, or another top-level type, or raw bytes. */
function jsonWire(route: Route, fields: fc.Arbitrary<Fields>): fc.Arbitrary<WirePayload> {
  return fc
    .record({
      fields,
      shape: fc.constantFrom('object', 'object', 'object', 'truncated', 'array', 'scalar', 'bom', 'bytes', 'huge'),
      scalar: fc.jsonValue({ maxDepth: 1 }),
      contentType: contentTypes('application/json'),
      bytes: rawBytes,
    })
    .map(({ fields: f, shape, scalar, contentType, bytes }) => {
      const json = JSON.stringify(f);
      const text =
        shape === 'truncated'
          ? json.slice(0, Math.max(1, json.length - 3))
          : shape === 'array'
            ? `[${json}]`
            : shape === 'scalar'
              ? (JSON.stringify(scalar) ?? 'null')
              : shape === 'bom'
                ? `\uFEFF${json}`
                : shape === 'huge'
                  ? JSON.stringify({ ...f, Message: 'x'.repeat(20_000) })
                  : json;
      const body = shape === 'bytes' ? bytes : utf8(text);
      return { route, contentType, body, note: `json(${shape}) ${contentType} ${JSON.stringify(text.slice(0, 300))}` };
    });
}

/** Any webhook payload on the wire, across every HTTP webhook. */
export const wirePayload: fc.Arbitrary<WirePayload> = fc.oneof(
  { weight: 5, arbitrary: formWire('at_ussd', atUssdFields) },
  { weight: 1, arbitrary: jsonWire('at_ussd', atUssdFields) },
  { weight: 2, arbitrary: formWire('at_events', atEventsFields) },
  { weight: 4, arbitrary: jsonWire('hubtel', hubtelFields) },
  { weight: 1, arbitrary: formWire('hubtel', hubtelFields) },
  { weight: 2, arbitrary: jsonWire('arkesel', arkeselFields) },
  { weight: 2, arbitrary: jsonWire('nalo', naloFields) },
);

// ---- Oracles ----------------------------------------------------------------------

export interface WireAnswer {
  status: number;
  contentType: string | null;
  body: string;
}

/** A refused payload: a 4xx with a JSON error carrying a stable code. */
function refusalProblem(a: WireAnswer): string | null {
  if (a.status < 400 || a.status >= 500) return `status ${a.status}`;
  try {
    const parsed = JSON.parse(a.body) as { error?: { code?: unknown } };
    return typeof parsed.error?.code === 'string' ? null : `4xx without error.code: ${a.body.slice(0, 120)}`;
  } catch {
    return `4xx body is not JSON: ${a.body.slice(0, 120)}`;
  }
}

/** Where the Ghana aggregators' JSON replies hold the screen and the continue flag. */
const JSON_REPLY = {
  arkesel: { text: 'message', continues: 'continueSession' },
  nalo: { text: 'MSG', continues: 'MSGTYPE' },
};

function jsonScreenProblem(route: Route, text: unknown, continues: unknown): string | null {
  if (typeof continues !== 'boolean') return `${route} reply continue flag ${String(continues)}`;
  if (typeof text !== 'string' || text.length > USSD_MAX)
    return `${route} screen ${JSON.stringify(text)?.slice(0, 80)}`;
  return continues && text.trim() === '' ? `${route} continues with an empty screen` : null;
}

/** null when `a` is a valid answer for `route`; otherwise what is wrong with it. */
export function answerProblem(route: Route, a: WireAnswer): string | null {
  if (a.status >= 500) return `5xx: ${a.status} ${a.body.slice(0, 160)}`;
  if (a.status !== 200 && a.status !== 204) return refusalProblem(a);
  if (route === 'at_events') return a.status === 204 ? null : `session end answered ${a.status}`;
  if (a.status !== 200) return `hop answered ${a.status}`;
  if (route === 'at_ussd') {
    if (!a.contentType?.startsWith('text/plain')) return `AT reply content-type ${a.contentType}`;
    if (!/^(CON|END) /.test(a.body)) return `AT reply without CON/END: ${JSON.stringify(a.body.slice(0, 80))}`;
    const screen = a.body.slice(4);
    if (screen.trim() === '') return 'AT reply with an empty screen';
    return screen.length <= USSD_MAX ? null : `AT screen of ${screen.length} characters`;
  }
  let reply: Record<string, unknown>;
  try {
    reply = JSON.parse(a.body) as typeof reply;
  } catch {
    return `${route} reply is not JSON: ${a.body.slice(0, 80)}`;
  }
  const json = JSON_REPLY[route as keyof typeof JSON_REPLY];
  if (json) return jsonScreenProblem(route, reply[json.text], reply[json.continues]);
  if (reply.Type !== 'Response' && reply.Type !== 'Release') return `Hubtel reply Type ${String(reply.Type)}`;
  if (typeof reply.Message !== 'string' || reply.Message.length > USSD_MAX)
    return `Hubtel Message ${JSON.stringify(reply.Message)?.slice(0, 80)}`;
  return reply.Type === 'Response' && reply.Message.trim() === '' ? 'Hubtel Response with an empty Message' : null;
}
