/**
 * Local stand-ins for the SMS and email providers, on 127.0.0.1 random ports,
 * speaking the documented wire formats so the REAL SDKs (africastalking,
 * twilio, @aws-sdk/client-ses) can talk to them. Each checks the credentials
 * the way its provider does, records every request, and can be told to refuse
 * or to hang. Answers come from the recorded-shape fixtures in
 * gateways/<kind>/fixtures (each names its sources).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gatewayFixture } from './gateway-fixtures.js';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The form body decoded (every provider here is called with a form). */
  form: Record<string, string>;
}

interface Fixture {
  status: number;
  contentType: string;
  body: unknown;
}

const fixture = (name: string): Fixture => gatewayFixture<Fixture>(name);

type Handler = (req: RecordedRequest, res: ServerResponse) => void;

interface Started {
  origin: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

async function startServer(handle: Handler): Promise<Started> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body,
        form: Object.fromEntries(new URLSearchParams(body)),
      };
      requests.push(recorded);
      handle(recorded, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections(); // hung requests included
        server.close(() => resolve());
      }),
  };
}

function send(res: ServerResponse, status: number, contentType: string, body: unknown): void {
  res.writeHead(status, { 'content-type': contentType });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

// ---------------------------------------------------------------- Africa's Talking

export type AtMode = 'accept' | 'hang' | { statusCode: number; status: string } | { httpStatus: number };

/** AT's messaging endpoint at {baseUrl}/messaging; baseUrl stands for https://api.africastalking.com/version1. */
export async function startFakeAfricasTalking(creds: { username: string; apiKey: string }) {
  let mode: AtMode = 'accept';
  const accepted = fixture('at-sms-send-accepted');
  const server = await startServer((req, res) => {
    if (req.method !== 'POST' || req.path !== '/version1/messaging') return send(res, 404, 'text/plain', 'Not Found');
    // lib/sms.js sends the key in an `apikey` header and the username as a form field.
    if (req.headers.apikey !== creds.apiKey || req.form.username !== creds.username) {
      return send(res, 401, 'text/plain', 'The supplied authentication is invalid');
    }
    if (mode === 'hang') return;
    if (typeof mode === 'object' && 'httpStatus' in mode)
      return send(res, mode.httpStatus, 'text/plain', 'Internal Server Error');
    const body = structuredClone(accepted.body) as {
      SMSMessageData: { Message: string; Recipients: Record<string, unknown>[] };
    };
    const recipient = body.SMSMessageData.Recipients[0] ?? {};
    recipient.number = req.form.to;
    if (mode === 'accept') {
      recipient.messageId = `ATXid_${hex(16)}`;
    } else {
      Object.assign(recipient, { statusCode: mode.statusCode, status: mode.status, cost: '0', messageId: 'None' });
      body.SMSMessageData.Message = 'Sent to 0/1 Total Cost: 0';
    }
    send(res, accepted.status, accepted.contentType, body);
  });
  return {
    baseUrl: `${server.origin}/version1`,
    requests: server.requests,
    respondWith(next: AtMode) {
      mode = next;
    },
    close: server.close,
  };
}

// ---------------------------------------------------------------- Twilio

export type TwilioMode = 'accept' | 'opted_out' | 'server_error' | 'hang';

/** Twilio's Messages endpoint; baseUrl stands for https://api.twilio.com. */
export async function startFakeTwilio(creds: { accountSid: string; authToken: string }) {
  let mode: TwilioMode = 'accept';
  const created = fixture('twilio-message-created');
  const optedOut = fixture('twilio-error-21610');
  const expectedAuth = `Basic ${Buffer.from(`${creds.accountSid}:${creds.authToken}`).toString('base64')}`;
  const server = await startServer((req, res) => {
    if (req.method !== 'POST' || req.path !== `/2010-04-01/Accounts/${creds.accountSid}/Messages.json`) {
      return send(res, 404, 'application/json', {
        code: 20404,
        message: 'The requested resource was not found',
        status: 404,
      });
    }
    if (req.headers.authorization !== expectedAuth) {
      return send(res, 401, 'application/json', {
        code: 20003,
        message: 'Authenticate',
        more_info: 'https://www.twilio.com/docs/errors/20003',
        status: 401,
      });
    }
    if (mode === 'hang') return;
    if (mode === 'server_error')
      return send(res, 500, 'application/json', { code: 20500, message: 'Internal Server Error', status: 500 });
    if (mode === 'opted_out') return send(res, optedOut.status, optedOut.contentType, optedOut.body);
    const sid = `SM${hex(16)}`;
    const body = {
      ...(created.body as Record<string, unknown>),
      sid,
      account_sid: creds.accountSid,
      to: req.form.To,
      from: req.form.From,
      body: req.form.Body,
      uri: `/2010-04-01/Accounts/${creds.accountSid}/Messages/${sid}.json`,
    };
    send(res, created.status, created.contentType, body);
  });
  return {
    baseUrl: server.origin,
    requests: server.requests,
    respondWith(next: TwilioMode) {
      mode = next;
    },
    close: server.close,
  };
}

// ---------------------------------------------------------------- SES

export type SesMode = 'accept' | 'rejected' | 'server_error' | 'hang';

/** An SES (v1, Query protocol) endpoint: POST / with Action=SendEmail, answered in XML. */
export async function startFakeSes(creds: { accessKeyId: string }) {
  let mode: SesMode = 'accept';
  const ok = fixture('ses-send-email-response');
  const rejected = fixture('ses-error-message-rejected');
  const error = (type: string, code: string, message: string) =>
    `<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><Error><Type>${type}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${hex(8)}</RequestId></ErrorResponse>`;
  const server = await startServer((req, res) => {
    if (
      req.method !== 'POST' ||
      req.path !== '/' ||
      req.form.Action !== 'SendEmail' ||
      req.form.Version !== '2010-12-01'
    ) {
      return send(res, 400, 'text/xml', error('Sender', 'InvalidAction', 'Unknown action'));
    }
    // SigV4: we cannot check the signature without the secret's derivation, but the key id must match.
    if (!String(req.headers.authorization ?? '').startsWith(`AWS4-HMAC-SHA256 Credential=${creds.accessKeyId}/`)) {
      return send(
        res,
        403,
        'text/xml',
        error('Sender', 'InvalidClientTokenId', 'The security token included in the request is invalid.'),
      );
    }
    if (mode === 'hang') return;
    if (mode === 'server_error')
      return send(res, 500, 'text/xml', error('Receiver', 'InternalFailure', 'Internal failure'));
    if (mode === 'rejected') return send(res, rejected.status, rejected.contentType, rejected.body);
    const messageId = `0100${hex(6)}-${hex(4)}-${hex(2)}-${hex(2)}-${hex(2)}-${hex(6)}-000000`;
    send(
      res,
      ok.status,
      ok.contentType,
      String(ok.body).replace(/<MessageId>[^<]*<\/MessageId>/, `<MessageId>${messageId}</MessageId>`),
    );
  });
  return {
    endpoint: server.origin,
    requests: server.requests,
    respondWith(next: SesMode) {
      mode = next;
    },
    close: server.close,
  };
}
