/** A whole reset over the HTTP API, for the tests of what a completed reset sets off (events, risk signals). */
import { expect } from 'vitest';
import { seedUser } from './users.js';
import type { TestService } from './test-service.js';

/**
 * Seeds a new French-speaking user and runs a USSD-PIN reset to its end over HTTP:
 * start, verify with the code sent, complete (asserted 204). Returns the user and the request.
 */
export async function completePinResetOverHttp(svc: TestService) {
  const user = await seedUser(svc.app.db, { language: 'fr' });
  const start = await svc.post('/v1/reset/start', { kind: 'ussd_pin', identifier: user.phone });
  const verify = await svc.post('/v1/reset/verify', {
    requestId: start.body.requestId,
    otp: await svc.lastOtpFor(user.phone),
  });
  expect((await svc.post('/v1/reset/complete', { resetToken: verify.body.resetToken, newPin: '4826' })).status).toBe(
    204,
  );
  return { user, requestId: start.body.requestId as string };
}
