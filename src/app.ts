/**
 * The composition root: the one place that builds and wires everything.
 * Tests call createApp too, with their own database, Redis prefix and limits.
 */
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import Koa from 'koa';
import { createDevOutbox, type DevOutbox } from '../gateways/dev-outbox.js';
import type { MessageSender } from '../gateways/message-sender.js';
import type { Config } from './config.js';
import { createPgliteDatabase, createPostgresDatabase, type Database } from './db/database.js';
import { runMigrations } from './db/migrations.js';
import { seedDemoUsers } from './dev/seed.js';
import { createDialogEffects } from './dialogs/dialog-effects.js';
import { createEventPipeline } from './events/event-pipeline.js';
import { createRisk } from './risk/risk-setup.js';
import { createDialogProfiles } from './dialogs/dialog-profile.js';
import { createDialogRuntime } from './dialogs/dialog-runtime.js';
import { createDialogStore } from './dialogs/dialog-store.js';
import { bodyTypeMiddleware } from './http/body-type-middleware.js';
import { errorMiddleware } from './http/error-middleware.js';
import { requestMetricsMiddleware } from './http/metrics-middleware.js';
import { noStoreMiddleware } from './http/no-store-middleware.js';
import { devRoutes } from './http/routes/dev.routes.js';
import { metricsRoutes, opsRoutes } from './http/routes/ops.routes.js';
import { resetRoutes } from './http/routes/reset.routes.js';
import { simulatorRoutes } from './http/routes/simulator.routes.js';
import { smsRoutes } from './http/routes/sms.routes.js';
import { createUssdHopAnswer, ussdRoutes } from './http/routes/ussd.routes.js';
import { createUssdHopHandler } from './http/ussd-hop-handler.js';
import { createUssdSessions } from './services/ussd-sessions.js';
import { mountedWebhooks, webhookToken } from './http/webhook-auth.js';
import { createLogger, type Logger } from './logger.js';
import { createMetrics } from './observability/metrics.js';
import { createResetTokens } from './security/reset-token.js';
import { createSecretHasher, type SecretHasher } from './security/secret-hasher.js';
import { warmPasswordPolicy } from './security/password-policy.js';
import { createCredentialService } from './services/credential-service.js';
import { createDeliveryService } from './services/delivery-service.js';
import { createInboundSmsService } from './services/inbound-sms-service.js';
import { createMessaging } from './services/messaging.js';
import { createNotifier } from './services/notifier.js';
import { createPendingOtpMessages } from './services/pending-otp-messages.js';
import { createSealedBox } from './security/sealed-box.js';
import { createRateLimiter, type Limits } from './services/rate-limits.js';
import { createResetService } from './services/reset-service.js';
import { createPurgeJob } from './retention/purge-job.js';
import type { KvStore } from './store/kv-store.js';
import { createMemoryKvStore } from './store/memory-kv-store.js';
import { openRedisClient } from './store/redis-client.js';
import { createRedisKvStore } from './store/redis-kv-store.js';

export interface AppOptions {
  logger?: Logger;
  limits?: Partial<Limits>;
  sender?: MessageSender;
  /** Tests give their own (a small bcrypt queue they can fill). */
  hasher?: SecretHasher;
}

/** Request bodies larger than this are refused with 413: no webhook or API call needs more. */
export const BODY_LIMIT_BYTES = 16 * 1024;
const DEFER_AFTER_ANSWER_MS = 2;

async function openDatabase(config: Config, logger: Logger): Promise<Database> {
  if (config.databaseUrl)
    return createPostgresDatabase(config.databaseUrl, (err) =>
      logger.warn({ err: err.message }, 'postgres idle client error'),
    );
  logger.warn('DATABASE_URL is not set: using embedded PGlite (development only)');
  return createPgliteDatabase(config.pgliteDataDir);
}

export async function createApp(config: Config, options: AppOptions = {}) {
  const logger = options.logger ?? createLogger(config.logLevel);
  const metrics = createMetrics();
  const db = await openDatabase(config, logger);
  const redis = openRedisClient(
    { url: config.redisUrl, clusterNodes: config.redisClusterNodes, keyPrefix: config.redisKeyPrefix },
    logger,
  );
  if (redis) await redis.connect();
  if (!redis) logger.warn('REDIS_URL is not set: using the in-process store (development only)');
  const kv: KvStore = redis
    ? createRedisKvStore(redis, {
        onUnreplicated: () => logger.warn('redis cluster: a commit reached no replica in time'),
      })
    : createMemoryKvStore();

  if (config.migrateOnStart) await runMigrations(db);
  const outbox: DevOutbox | undefined = config.isProduction
    ? undefined
    : createDevOutbox({ print: config.env === 'development' });
  if (!config.isProduction && !config.databaseUrl) await seedDemoUsers(db);
  const messaging = createMessaging(config, metrics, outbox);
  const sender = options.sender ?? messaging.sender;
  const pendingOtps = createPendingOtpMessages(
    kv,
    createSealedBox(config.pepper, 'otp-sms'),
    config.otpTtlSeconds * 1000,
  );

  // Work that runs after the answer (sending a code): tracked so shutdown and tests can wait for it.
  const pending = new Set<Promise<unknown>>();
  // It starts 2 ms after the answer, not on the next turn: started at once, a real account's work
  // (a Postgres query, then the SMS) competed for the CPU with the answer's delivery, and on 2 cores
  // that made "known" answers of /v1/reset/start measurably slower (bench: +4-8 %, p < 0.005;
  // with 2 ms: 1.2 %, p = 0.63).
  const defer = (work: () => Promise<unknown>) => {
    const p = new Promise<void>((resolve) => setTimeout(resolve, DEFER_AFTER_ANSWER_MS))
      .then(work)
      .catch((err) => logger.error({ err: (err as Error).message }, 'deferred work failed'))
      .finally(() => pending.delete(p));
    pending.add(p);
  };

  const limiter = createRateLimiter({
    redis,
    keyPrefix: '',
    pepper: config.pepper,
    limits: { ...config.rateLimits, ...options.limits },
    onLimited: (scope) => metrics.rateLimited.inc({ scope }),
  });
  const tokens = createResetTokens({ secrets: [...config.jwtResetSecrets], ttlSeconds: config.resetTokenTtlSeconds });
  const hasher = options.hasher ?? createSecretHasher({ pepper: config.pepper, cost: config.bcryptCost });
  // Builds the password-strength dictionaries now rather than on the first user's request.
  warmPasswordPolicy();
  const notifier = createNotifier({
    sender,
    db,
    pendingOtps,
    metrics,
    logger,
    otpTtlSeconds: config.otpTtlSeconds,
    otpSmsDomain: config.otpSmsDomain,
  });
  const events = createEventPipeline(config, { db, metrics, logger });
  const risk = createRisk(config, { redis, metrics, logger });
  const resets = createResetService({
    risk: risk.monitor,
    simSwap: risk.simSwap,
    simSwapUnknownPolicy: config.simSwap.unknownPolicy,
    smsAllowedCountries: config.smsAllowedCountries,
    emailEnabled: Boolean(config.ses) || !config.isProduction,
    db,
    limiter,
    notifier,
    tokens,
    metrics,
    pepper: config.pepper,
    otpTtlSeconds: config.otpTtlSeconds,
    resetTokenTtlSeconds: config.resetTokenTtlSeconds,
    defaultCountry: config.defaultCountry,
    defer,
  });
  const credentials = createCredentialService({
    db,
    hasher,
    tokens,
    notifier,
    metrics,
    limiter,
    resetTokenTtlSeconds: config.resetTokenTtlSeconds,
    defer,
    onOutboxWritten: events.notify,
  });

  const profiles = createDialogProfiles(db, {
    pepper: config.pepper,
    defaultCountry: config.defaultCountry,
    knowledgePolicy: config.ussdKnowledgePolicy,
  });
  const dialogs = createDialogRuntime({
    // A dialog outlives its code and its reset step: resumable while the request is.
    store: createDialogStore(kv, {
      pepper: config.pepper,
      dialogTtlMs: (config.otpTtlSeconds + config.resetTokenTtlSeconds) * 1000,
    }),
    effects: createDialogEffects({
      db,
      resets,
      credentials,
      hasher,
      limiter,
      logger,
      pepper: config.pepper,
      knowledgeOnFile: profiles.knowledgeOnFile,
    }),
    profiles,
    metrics,
    logger,
    hopDeadlineMs: config.ussdHopDeadlineMs,
  });

  const delivery = createDeliveryService({ db, pendingOtps, smsRouter: messaging.smsRouter, metrics, logger });
  const inbound = createInboundSmsService({
    db,
    dispatchToDialog: (phone, event) => dialogs.sms(phone, event),
    kv,
    limiter,
    pepper: config.pepper,
    defaultCountry: config.defaultCountry,
    ussdServiceCode: config.ussdServiceCode,
    onNotMe: (userId) => risk.monitor.onNotMe({ userId, channel: 'sms' }),
  });

  const router = new Router();
  const webhooks = mountedWebhooks(config, logger);
  const atWebhookToken = webhookToken(config, config.atWebhookToken);
  resetRoutes(router, { resets, credentials });
  smsRoutes(router, {
    inbound,
    delivery,
    notifier,
    metrics,
    defer,
    atWebhookToken,
    twilioAuthToken: config.twilio?.token,
    twilioMounted: webhooks.twilio,
    publicBaseUrl: config.publicBaseUrl,
  });
  const ussdDeps = {
    runtime: dialogs,
    sessions: createUssdSessions({ db, metrics }),
    metrics,
    logger,
    gateways: webhooks.ussd,
    defaultCountry: config.defaultCountry,
  };
  const answerUssdHop = createUssdHopAnswer(ussdDeps);
  ussdRoutes(router, ussdDeps, answerUssdHop);
  const ussdHopHandler = createUssdHopHandler({
    gateways: webhooks.ussd,
    answer: answerUssdHop,
    metrics,
    logger,
    bodyLimitBytes: BODY_LIMIT_BYTES,
  });
  opsRoutes(router, {
    mode: config.databaseUrl && redis ? 'services' : 'embedded',
    checks: { [db.kind]: () => db.ping(), [kv.kind === 'redis' ? 'redis' : 'store']: () => kv.ping() },
    onCheck: (dependency, up) => metrics.dependencyUp.set({ dependency }, up ? 1 : 0),
  });
  if (outbox) devRoutes(router, { outbox });
  if (outbox) simulatorRoutes(router, { outbox });
  // With METRICS_PORT, /metrics lives only on its own listener (started by startHttpServer), off the public one.
  const metricsKoa = config.metrics ? new Koa() : undefined;
  const metricsRouter = metricsKoa ? new Router() : router;
  metricsRoutes(metricsRouter, { registry: metrics.registry });
  metricsKoa?.use(metricsRouter.routes());

  // Only the entries our own proxies appended count: the client IP is `proxyHops` from the right.
  const koa = new Koa({ proxy: config.proxyHops > 0, maxIpsCount: config.proxyHops });
  // Metrics outermost: they must see the status the error middleware settles on.
  koa.use(requestMetricsMiddleware(metrics));
  koa.use(noStoreMiddleware('/v1/reset'));
  koa.use(errorMiddleware(logger));
  koa.use(bodyTypeMiddleware());
  koa.use(bodyParser({ enableTypes: ['json', 'form'], jsonLimit: BODY_LIMIT_BYTES, formLimit: BODY_LIMIT_BYTES }));
  koa.use(router.routes());
  koa.use(router.allowedMethods());
  // Errors are answered by errorMiddleware; this keeps koa from printing them a second time.
  koa.on('error', () => {});
  events.start();
  const purge = createPurgeJob({
    db,
    policy: config.retention,
    intervalMs: config.retention.purgeIntervalHours * 3_600_000,
    logger,
  });
  purge.start();

  return {
    config,
    logger,
    metrics,
    db,
    kv,
    redis,
    outbox,
    koa,
    metricsKoa,
    ussdHopHandler,
    events,
    risk,
    purge,
    services: { resets, credentials, notifier, limiter, dialogs, delivery, inbound },
    /** Waits for deferred work (sends) to finish. */
    settle: async () => {
      while (pending.size > 0) await Promise.all([...pending]);
    },
    async close() {
      await Promise.all([...pending]);
      await purge.close();
      await events.close();
      await risk.close();
      await Promise.allSettled([kv.close(), db.close()]);
    },
  };
}

export type App = Awaited<ReturnType<typeof createApp>>;
