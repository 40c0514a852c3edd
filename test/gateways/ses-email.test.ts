/**
 * SES email sender. What is real: @aws-sdk/client-ses (SigV4 signing, AWS
 * Query serialization, XML parsing, error mapping) against a local server that
 * speaks SES's Query protocol (test/support/fake-providers.ts). Credentials
 * are static fakes; production uses the default provider chain.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { OutboundMessage } from '../../gateways/message-sender.js';
import { SendError } from '../../gateways/send-error.js';
import { createSesEmailSender } from '../../gateways/email/ses-email.js';
import { startFakeSes } from '../support/fake-providers.js';

const credentials = { accessKeyId: 'AKIDMOLAMTEST0000000', secretAccessKey: 'test-secret-key' };
const message: OutboundMessage = {
  to: 'awa.diop@example.sn',
  channel: 'email',
  subject: 'Votre code de reinitialisation du PIN Molam ID',
  body: 'Votre code Molam ID pour changer de PIN est 482913. Il expire dans 5 minutes.',
};

describe('SES email sender (@aws-sdk/client-ses → local SES endpoint)', () => {
  let fake: Awaited<ReturnType<typeof startFakeSes>>;
  beforeAll(async () => {
    fake = await startFakeSes({ accessKeyId: credentials.accessKeyId });
  });
  afterEach(() => fake.respondWith('accept'));
  afterAll(() => fake.close());

  const sender = (extra: { timeoutMs?: number } = {}) =>
    createSesEmailSender({
      region: 'eu-west-1',
      endpoint: fake.endpoint,
      from: 'noreply@molam.id',
      credentials,
      maxAttempts: 1,
      ...extra,
    });

  async function sendError(p: Promise<unknown>): Promise<SendError> {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SendError);
    expect((err as SendError).message).not.toContain('482913');
    expect((err as SendError).message).not.toContain(message.to);
    return err as SendError;
  }

  it('sends Action=SendEmail signed with SigV4 and returns the MessageId from the XML answer', async () => {
    const result = await sender().send(message);
    const req = fake.requests.at(-1);
    expect(req?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDMOLAMTEST0000000\/\d{8}\/eu-west-1\/ses\/aws4_request/,
    );
    expect(req?.form).toMatchObject({
      Action: 'SendEmail',
      Version: '2010-12-01',
      Source: 'noreply@molam.id',
      'Destination.ToAddresses.member.1': message.to,
      'Message.Subject.Data': message.subject,
      'Message.Subject.Charset': 'UTF-8',
      'Message.Body.Text.Data': message.body,
    });
    expect(result).toEqual({ provider: 'ses', providerMessageId: expect.stringMatching(/^0100[0-9a-f]{12}-/) });
  });

  it('maps MessageRejected to rejected, a 500 to transient and a bad key to config', async () => {
    fake.respondWith('rejected');
    expect(await sendError(sender().send(message))).toMatchObject({
      provider: 'ses',
      reason: 'rejected',
      providerCode: 'MessageRejected',
    });
    fake.respondWith('server_error');
    expect((await sendError(sender().send(message))).reason).toBe('transient');
    fake.respondWith('accept');
    const badKey = createSesEmailSender({
      region: 'eu-west-1',
      endpoint: fake.endpoint,
      from: 'noreply@molam.id',
      credentials: { ...credentials, accessKeyId: 'AKIDOTHER' },
      maxAttempts: 1,
    });
    expect(await sendError(badKey.send(message))).toMatchObject({
      reason: 'config',
      providerCode: 'InvalidClientTokenId',
    });
  });

  it('aborts the request at its deadline with reason timeout', async () => {
    fake.respondWith('hang');
    const started = Date.now();
    expect((await sendError(sender({ timeoutMs: 300 }).send(message))).reason).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
