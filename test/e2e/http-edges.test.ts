/**
 * HTTP edges a developer hits first, against the real service (PostgreSQL,
 * Redis): a body sent with the wrong Content-Type and a wrong method both get
 * our JSON error shape with a stable code, not an empty or misleading answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../support/test-service.js';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService();
});
afterAll(async () => {
  await svc?.stop();
});

async function send(method: string, path: string, body?: string, contentType?: string) {
  const res = await fetch(`${svc.url}${path}`, {
    method,
    body,
    headers: contentType ? { 'content-type': contentType } : {},
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

const start = JSON.stringify({ kind: 'ussd_pin', identifier: '+221770000001' });

describe('issue 15 item 6: a body the service cannot read answers 415 naming application/json', () => {
  it('JSON sent as text/plain to /v1/reset/start answers 415 unsupported_media_type', async () => {
    const r = await send('POST', '/v1/reset/start', start, 'text/plain');
    expect(r.status).toBe(415);
    expect(r.body.error).toMatchObject({ code: 'unsupported_media_type', expected: 'application/json' });
    expect(r.body.error.message).toContain('application/json');
    expect(r.headers.get('cache-control')).toBe('no-store');
  });

  it('the same body as application/json (with a charset) is read', async () => {
    const r = await send('POST', '/v1/reset/start', start, 'application/json; charset=utf-8');
    expect(r.status).toBe(202);
  });

  it('a POST without a body still gets the field-level 400', async () => {
    const r = await send('POST', '/v1/reset/verify');
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('invalid_request');
  });
});

describe('issue 15 item 6: a wrong method answers JSON 405 with Allow', () => {
  it('GET /v1/reset/start answers 405 method_not_allowed, Allow: POST', async () => {
    const r = await send('GET', '/v1/reset/start');
    expect(r.status).toBe(405);
    expect(r.headers.get('allow')).toBe('POST');
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(r.body.error).toMatchObject({ code: 'method_not_allowed', allow: 'POST' });
  });

  it('POST /health answers 405 naming GET and HEAD', async () => {
    const r = await send('POST', '/health', '{}', 'application/json');
    expect(r.status).toBe(405);
    expect(r.headers.get('allow')).toMatch(/GET/);
    expect(r.body.error.code).toBe('method_not_allowed');
  });

  it('a method the service knows nowhere answers JSON 501 not_implemented', async () => {
    const r = await send('PROPFIND', '/health');
    expect(r.status).toBe(501);
    expect(r.body.error.code).toBe('not_implemented');
  });

  it('an unknown path still answers 404 not_found', async () => {
    const r = await send('GET', '/v1/nowhere');
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe('not_found');
  });
});
