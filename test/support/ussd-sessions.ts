/**
 * Handset-like USSD sessions against a started service: Africa's Talking
 * (cumulative `text`), Hubtel (latest input, Sequence), Arkesel and Nalo
 * (latest input, a dial flag, no sequence).
 * Tokens are sent when given, so the drivers work with authenticated webhooks.
 */
import { randomUUID } from 'node:crypto';
import type { TestService } from './test-service.js';

/** One AT session of `phone`: type() adds an input to the path; retry() sends the path again. */
export function atSession(svc: TestService, phone: string, opts: { token?: string; sessionId?: string } = {}) {
  const sessionId = opts.sessionId ?? `ATUid_${randomUUID()}`;
  const inputs: string[] = [];
  const send = async () => (await svc.atHop({ sessionId, phone, text: inputs.join('*'), token: opts.token })).text;
  return {
    sessionId,
    dial: send,
    type: (input: string) => {
      inputs.push(input);
      return send();
    },
    retry: send,
  };
}

/** One Hubtel session of `mobile`; replies are `{ status, Type, Message, error }` (error: the code of a 4xx). */
export function hubtelSession(svc: TestService, mobile: string, opts: { token?: string; sessionId?: string } = {}) {
  const SessionId = opts.sessionId ?? randomUUID().replace(/-/g, '');
  let Sequence = 0;
  const send = async (Type: string, Message: string, sequence?: number) => {
    if (sequence === undefined) Sequence += 1;
    const r = await svc.post(`/gateways/hubtel/ussd${tokenQuery(opts.token)}`, {
      Type,
      Message,
      ServiceCode: '714',
      Operator: 'mtn',
      ClientState: '',
      Mobile: mobile,
      SessionId,
      Sequence: sequence ?? Sequence,
      Platform: 'USSD',
    });
    return {
      status: r.status,
      Type: r.body?.Type as string,
      Message: r.body?.Message as string,
      error: r.body?.error?.code as string | undefined,
    };
  };
  return {
    sessionId: SessionId,
    dial: () => send('Initiation', '*714#'),
    type: (message: string) => send('Response', message),
    /** A Response with an explicit Sequence (a retry, or a forged hop). */
    at: (sequence: number, message: string) => send('Response', message, sequence),
    /** The user left: Hubtel's Release. */
    release: () => send('Release', ''),
  };
}

/** Arkesel's JSON callback of `msisdn` ("233…"); replies are `{ status, message, continueSession }`. */
export function arkeselSession(svc: TestService, msisdn: string, opts: { token?: string; sessionId?: string } = {}) {
  const sessionID = opts.sessionId ?? `ark-${randomUUID()}`;
  const send = async (newSession: boolean, userData: string) => {
    const r = await svc.post(`/gateways/arkesel/ussd${tokenQuery(opts.token)}`, {
      sessionID,
      userID: 'MOLAM_USSD',
      newSession,
      msisdn,
      userData,
      network: 'MTN',
    });
    const { message, continueSession } = (r.body ?? {}) as { message?: string; continueSession?: boolean };
    return { status: r.status, message, continueSession };
  };
  return { sessionId: sessionID, dial: () => send(true, '*928*93#'), type: (input: string) => send(false, input) };
}

/** Nalo's JSON callback of `msisdn` ("233…"); replies are `{ status, MSG, MSGTYPE }`. */
export function naloSession(svc: TestService, msisdn: string, opts: { token?: string; sessionId?: string } = {}) {
  const SESSIONID = opts.sessionId ?? `${Date.now()}${randomUUID().slice(0, 4)}`;
  const send = async (MSGTYPE: boolean, USERDATA: string) => {
    const r = await svc.post(`/gateways/nalo/ussd${tokenQuery(opts.token)}`, {
      USERID: 'MOLAM',
      MSISDN: msisdn,
      USERDATA,
      MSGTYPE,
      NETWORK: 'MTN',
      SESSIONID,
    });
    return { status: r.status, MSG: r.body?.MSG as string, MSGTYPE: r.body?.MSGTYPE as boolean };
  };
  return { sessionId: SESSIONID, dial: () => send(true, '*920*100#'), type: (input: string) => send(false, input) };
}

const tokenQuery = (token: string | undefined) => (token === undefined ? '' : `?token=${encodeURIComponent(token)}`);
