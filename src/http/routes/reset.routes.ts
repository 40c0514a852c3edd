/** POST /v1/reset/{start,resend,verify,complete}: validate, delegate, answer. */
import type Router from '@koa/router';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import type { CredentialService } from '../../services/credential-service.js';
import type { ResetService } from '../../services/reset-service.js';
import { clientIp } from '../client-ip.js';

const kind = z.enum(['password', 'ussd_pin']);
const requestId = z.uuid();

const startBody = z.object({
  kind,
  identifier: z.string().min(3).max(254),
  channel: z.enum(['sms', 'email']).optional(),
  lang: z.string().regex(/^[a-z]{2,3}$/).optional(),
});
const resendBody = z.object({ requestId, lang: z.string().regex(/^[a-z]{2,3}$/).optional() });
const verifyBody = z.object({ requestId, otp: z.string().regex(/^\d{6}$/, 'otp is 6 digits') });
const completeBody = z.object({
  resetToken: z.string().min(1).max(4096),
  newPassword: z.string().min(1).max(1024).optional(),
  newPin: z.string().min(1).max(32).optional(),
}).refine((b) => (b.newPassword === undefined) !== (b.newPin === undefined), 'send exactly one of newPassword or newPin');

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body ?? {});
  if (!result.success) {
    // Field paths and rules only: never echo the submitted values (they may be secrets).
    const detail = result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
    throw new AppError('invalid_request', detail);
  }
  return result.data;
}

export function resetRoutes(router: Router, { resets, credentials }: { resets: ResetService; credentials: CredentialService }) {
  router.post('/v1/reset/start', async (ctx) => {
    const body = parse(startBody, ctx.request.body);
    ctx.status = 202;
    ctx.body = await resets.start({ ...body, ip: clientIp(ctx) });
  });

  router.post('/v1/reset/resend', async (ctx) => {
    const body = parse(resendBody, ctx.request.body);
    ctx.status = 202;
    ctx.body = await resets.resend(body.requestId, body.lang);
  });

  router.post('/v1/reset/verify', async (ctx) => {
    const body = parse(verifyBody, ctx.request.body);
    const { resetToken, expiresInSeconds } = await resets.verify({ ...body, ip: clientIp(ctx) });
    ctx.body = { resetToken, expiresInSeconds };
  });

  router.post('/v1/reset/complete', async (ctx) => {
    const body = parse(completeBody, ctx.request.body);
    await credentials.completeWithToken({ ...body, ip: clientIp(ctx) });
    ctx.status = 204;
  });
}
