/** POST /v1/reset/{start,resend,verify,complete}: validate, delegate, answer. */
import type Router from '@koa/router';
import { z } from 'zod';
import { RESET_KINDS } from '../../../machines/types.js';
import { AppError } from '../../errors.js';
import { RESET_KIND_SPECS, type ResetBodyField } from '../../reset-kinds.js';
import type { CredentialService } from '../../services/credential-service.js';
import type { ResetService } from '../../services/reset-service.js';
import { clientIp } from '../client-ip.js';

const kind = z.enum(RESET_KINDS);
const requestId = z.uuid();

const startBody = z.object({
  kind,
  identifier: z.string().min(3).max(254),
  channel: z.enum(['sms', 'email']).optional(),
  lang: z
    .string()
    .regex(/^[a-z]{2,3}$/)
    .optional(),
});
const resendBody = z.object({
  requestId,
  lang: z
    .string()
    .regex(/^[a-z]{2,3}$/)
    .optional(),
});
const verifyBody = z.object({ requestId, otp: z.string().regex(/^\d{6}$/, 'otp is 6 digits') });
// One optional field per reset kind (newPin, newPassword); the token's kind says which one must be there.
const SECRET_FIELDS = Object.values(RESET_KIND_SPECS);
const completeBody = z
  .object({
    resetToken: z.string().min(1).max(4096),
    ...(Object.fromEntries(
      SECRET_FIELDS.map((s) => [s.bodyField, z.string().min(1).max(s.bodyMaxLength).optional()]),
    ) as Record<ResetBodyField, z.ZodOptional<z.ZodString>>),
  })
  .refine(
    (b) => SECRET_FIELDS.filter((s) => b[s.bodyField] !== undefined).length === 1,
    `send exactly one of ${SECRET_FIELDS.map((s) => s.bodyField).join(' or ')}`,
  );

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body ?? {});
  if (!result.success) {
    // Field paths and rules only: never echo the submitted values (they may be secrets).
    const detail = result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
    throw new AppError('invalid_request', detail);
  }
  return result.data;
}

export function resetRoutes(
  router: Router,
  { resets, credentials }: { resets: ResetService; credentials: CredentialService },
) {
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
    const { resetToken, ...secrets } = parse(completeBody, ctx.request.body);
    await credentials.completeWithToken({ resetToken, secrets, ip: clientIp(ctx) });
    ctx.status = 204;
  });
}
