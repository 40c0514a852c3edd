/**
 * Helpers for the attack tests in test/security/: users seeded in the real
 * database, the codes the dev outbox holds, per-IP limits loosened (every
 * attack comes from 127.0.0.1, and the per-IP limits are not what is tested).
 */
import type { Limits } from '../../src/services/rate-limits.js';
import type { TestService } from '../support/test-service.js';
import { seedUser, senegaleseNumber } from '../support/users.js';

const LOOSE = { points: 1_000_000, durationSeconds: 60 };
export const LOOSE_IP_LIMITS: Partial<Limits> = { startPerIp: LOOSE, verifyPerIp: LOOSE, completePerIp: LOOSE };

/** A fresh account per test: no shared counters, requests or cool-offs. */
export async function newUser(svc: TestService, opts: { lang?: string; email?: boolean } = {}) {
  const phone = senegaleseNumber('76');
  return seedUser(svc.app.db, {
    phone,
    language: opts.lang ?? 'en',
    email: opts.email ? `user.${phone.slice(4)}@example.sn` : undefined,
  });
}

/** Every message the dev outbox holds for `to`. */
export async function messagesTo(svc: TestService, to: string) {
  await svc.app.settle();
  return svc.app.outbox!.list().filter((m) => m.to === to);
}

/** A six-digit code that is none of `codes`. */
export const wrongCodeFor = (...codes: string[]) => ['000000', '111111', '222222'].find((c) => !codes.includes(c))!;

/** HTTP start of a reset, with the code it sent. */
export async function startReset(svc: TestService, identifier: string, kind: 'ussd_pin' | 'password' = 'ussd_pin') {
  const start = await svc.post('/v1/reset/start', { kind, identifier });
  if (start.status !== 202) throw new Error(`start answered ${start.status}`);
  return { requestId: start.body.requestId as string, otp: await svc.lastOtpFor(identifier) };
}

export const verify = (svc: TestService, requestId: string, otp: string) =>
  svc.post('/v1/reset/verify', { requestId, otp });
