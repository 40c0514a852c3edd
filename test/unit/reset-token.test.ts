// Pure unit tests on real jose (HS256); the clock is faked only for expiry.
import { SignJWT } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InvalidResetTokenError, RESET_TOKEN_AUDIENCE, createResetTokens } from '../../src/security/reset-token.js';

const OLD = 'old-secret-0123456789abcdef0123456789abcdef';
const NEW = 'new-secret-0123456789abcdef0123456789abcdef';
const CLAIMS = { requestId: '5f0c8a52-8a61-4d0e-9a55-0d3f3c2b7e11', jti: 'jti-1', kind: 'password' } as const;

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const parts = (token: string) => token.split('.') as [string, string, string];

async function expectInvalid(promise: Promise<unknown>, token: string) {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InvalidResetTokenError);
  // The error must be safe to log and show: one fixed message, never the token.
  expect((err as Error).message).toBe('The reset link is invalid or has expired.');
  if (token.length > 0)
    expect(JSON.stringify({ ...(err as object), stack: (err as Error).stack })).not.toContain(token);
  return err as InvalidResetTokenError;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('createResetTokens', () => {
  it('round-trips the request id, jti and kind', async () => {
    const tokens = createResetTokens({ secrets: [NEW], ttlSeconds: 600 });
    const token = await tokens.sign({ ...CLAIMS, kind: 'ussd_pin' });
    expect(await tokens.verify(token)).toEqual({ ...CLAIMS, kind: 'ussd_pin' });
  });

  it('puts sub, jti, kind, iat, exp, iss and aud in the payload', async () => {
    const token = await createResetTokens({ secrets: [NEW], ttlSeconds: 600 }).sign(CLAIMS);
    const payload = JSON.parse(Buffer.from(parts(token)[1], 'base64url').toString()) as Record<string, unknown>;
    expect(payload).toMatchObject({
      sub: CLAIMS.requestId,
      jti: 'jti-1',
      kind: 'password',
      iss: 'molam-id-reset',
      aud: RESET_TOKEN_AUDIENCE,
    });
    expect(payload.exp).toBe((payload.iat as number) + 600);
  });

  it('still verifies a token signed with the old secret when it is second in the list', async () => {
    const token = await createResetTokens({ secrets: [OLD], ttlSeconds: 600 }).sign(CLAIMS);
    const rotated = createResetTokens({ secrets: [NEW, OLD], ttlSeconds: 600 });
    expect(await rotated.verify(token)).toEqual(CLAIMS);
  });

  it('signs with the first secret only', async () => {
    const token = await createResetTokens({ secrets: [NEW, OLD], ttlSeconds: 600 }).sign(CLAIMS);
    await expectInvalid(createResetTokens({ secrets: [OLD], ttlSeconds: 600 }).verify(token), token);
  });

  it('rejects a token whose secret was removed from the list', async () => {
    const token = await createResetTokens({ secrets: [OLD], ttlSeconds: 600 }).sign(CLAIMS);
    const err = await expectInvalid(createResetTokens({ secrets: [NEW], ttlSeconds: 600 }).verify(token), token);
    expect(err.reason).toBe('signature');
  });

  it('rejects a token once its ttl has passed', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2025-01-01T00:00:00Z'));
    const tokens = createResetTokens({ secrets: [NEW], ttlSeconds: 300 });
    const token = await tokens.sign(CLAIMS);
    vi.setSystemTime(new Date('2025-01-01T00:04:59Z'));
    expect(await tokens.verify(token)).toEqual(CLAIMS);
    vi.setSystemTime(new Date('2025-01-01T00:05:01Z'));
    const err = await expectInvalid(tokens.verify(token), token);
    expect(err.reason).toBe('expired');
  });

  it('rejects a token whose payload was tampered with', async () => {
    const tokens = createResetTokens({ secrets: [NEW], ttlSeconds: 600 });
    const [header, , signature] = parts(await tokens.sign(CLAIMS));
    const forged = `${header}.${b64({ sub: 'someone-else', jti: 'jti-1', kind: 'password' })}.${signature}`;
    const err = await expectInvalid(tokens.verify(forged), forged);
    expect(err.reason).toBe('signature');
  });

  it("rejects an unsigned token with alg 'none'", async () => {
    const tokens = createResetTokens({ secrets: [NEW], ttlSeconds: 600 });
    const now = Math.floor(Date.now() / 1000);
    const payload = {
      sub: CLAIMS.requestId,
      jti: 'jti-1',
      kind: 'password',
      iss: 'molam-id-reset',
      aud: RESET_TOKEN_AUDIENCE,
      iat: now,
      exp: now + 600,
    };
    for (const unsigned of [
      `${b64({ alg: 'none', typ: 'JWT' })}.${b64(payload)}.`,
      `${b64({ alg: 'none' })}.${b64(payload)}`,
    ]) {
      await expectInvalid(tokens.verify(unsigned), unsigned);
    }
  });

  it('rejects a token for another audience, another issuer or another algorithm', async () => {
    const tokens = createResetTokens({ secrets: [NEW], ttlSeconds: 600 });
    const key = new TextEncoder().encode(NEW);
    const build = (alg: string, iss: string, aud: string) =>
      new SignJWT({ kind: 'password' })
        .setProtectedHeader({ alg })
        .setSubject(CLAIMS.requestId)
        .setJti('jti-1')
        .setIssuer(iss)
        .setAudience(aud)
        .setIssuedAt()
        .setExpirationTime('10m')
        .sign(key);
    for (const token of [
      await build('HS256', 'molam-id-reset', 'molam-id-login'),
      await build('HS256', 'someone-else', RESET_TOKEN_AUDIENCE),
      await build('HS512', 'molam-id-reset', RESET_TOKEN_AUDIENCE),
    ]) {
      await expectInvalid(tokens.verify(token), token);
    }
  });

  it('rejects correctly signed tokens with a wrong kind, a non-string claim or a missing jti', async () => {
    const tokens = createResetTokens({ secrets: [NEW], ttlSeconds: 600 });
    const key = new TextEncoder().encode(NEW);
    const build = (kind: unknown, jti?: string) => {
      const jwt = new SignJWT({ kind })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(CLAIMS.requestId)
        .setIssuer('molam-id-reset')
        .setAudience(RESET_TOKEN_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime('10m');
      return (jti === undefined ? jwt : jwt.setJti(jti)).sign(key);
    };
    for (const token of [await build('email', 'jti-1'), await build(7, 'jti-1'), await build('password')]) {
      const err = await expectInvalid(tokens.verify(token), token);
      expect(err.reason).toBe('claims');
    }
  });

  it('rejects malformed input with the same error', async () => {
    const tokens = createResetTokens({ secrets: [NEW], ttlSeconds: 600 });
    for (const token of ['', 'garbage', 'a.b.c', 'a.b', '...', 'x'.repeat(5000), undefined as unknown as string]) {
      await expectInvalid(tokens.verify(token), token ?? '');
    }
  });

  it('refuses secrets shorter than 32 bytes, an empty list and a bad ttl', () => {
    expect(() => createResetTokens({ secrets: ['short'], ttlSeconds: 600 })).toThrow(/32 bytes/);
    expect(() => createResetTokens({ secrets: [NEW, 'x'.repeat(31)], ttlSeconds: 600 })).toThrow(/#2/);
    expect(() => createResetTokens({ secrets: [], ttlSeconds: 600 })).toThrow(/secret/);
    expect(() => createResetTokens({ secrets: [NEW], ttlSeconds: 0 })).toThrow(/ttl/);
  });
});
