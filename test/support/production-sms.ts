/**
 * A production-mode service (NODE_ENV=production, bcrypt cost 12) on the real
 * PostgreSQL and Redis whose SMS go through the real africastalking and twilio
 * SDKs to the local fakes of fake-providers.ts. PUBLIC_BASE_URL is set, so
 * Twilio webhooks are signed over it; TWILIO_NUMBER is the service's own number.
 */
import { startFakeAfricasTalking, startFakeTwilio } from './fake-providers.js';
import { startTestService, type TestService } from './test-service.js';

export const PUBLIC_BASE_URL = 'https://reset.molam.test';
export const TWILIO_NUMBER = '+15005550006';
const AT = { username: 'molam', apiKey: 'at-api-key-test' };

export interface ProductionSmsService {
  svc: TestService;
  at: Awaited<ReturnType<typeof startFakeAfricasTalking>>;
  tw: Awaited<ReturnType<typeof startFakeTwilio>>;
  /** Stops the service, then both fakes. */
  stop(): Promise<void>;
}

export async function startProductionSmsService(options: {
  twilio: { accountSid: string; authToken: string };
  /** AT_WEBHOOK_TOKEN: what Africa's Talking callbacks carry in ?token=. */
  atWebhookToken: string;
  /** SMS_ROUTES: which provider, in order, per country prefix. */
  smsRoutes: string;
}): Promise<ProductionSmsService> {
  const at = await startFakeAfricasTalking(AT);
  const tw = await startFakeTwilio(options.twilio);
  const closeFakes = async () => {
    await Promise.all([at.close(), tw.close()]);
  };
  let svc: TestService;
  try {
    svc = await startTestService({
      env: {
        NODE_ENV: 'production',
        PEPPER: 'p'.repeat(40),
        JWT_RESET_SECRET: 'j'.repeat(40),
        AT_WEBHOOK_TOKEN: options.atWebhookToken,
        BCRYPT_COST: '12',
        AT_USERNAME: AT.username,
        AT_API_KEY: AT.apiKey,
        AT_API_BASE_URL: at.baseUrl,
        TWILIO_SID: options.twilio.accountSid,
        TWILIO_TOKEN: options.twilio.authToken,
        TWILIO_PHONE: TWILIO_NUMBER,
        TWILIO_API_BASE_URL: tw.baseUrl,
        PUBLIC_BASE_URL,
        SMS_ROUTES: options.smsRoutes,
      },
    });
  } catch (err) {
    await closeFakes();
    throw err;
  }
  return {
    svc,
    at,
    tw,
    async stop() {
      await svc.stop();
      await closeFakes();
    },
  };
}
