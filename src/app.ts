/**
 * The composition root: the one place that builds and wires everything.
 * Tests call createApp too, with their own database, Redis prefix and limits.
 */
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import { Redis } from 'ioredis';
import Koa from 'koa';
import { createDevOutbox, type DevOutbox } from '../gateways/dev-outbox.js';
import type { MessageSender } from '../gateways/message-sender.js';
import { unconfiguredSender } from '../gateways/unconfigured-sender.js';
import type { Config } from './config.js';
import { createPgliteDatabase, createPostgresDatabase, type Database } from './db/database.js';
import { runMigrations } from './db/migrations.js';
import { seedDemoUsers } from './dev/seed.js';
import { createDialogEffects } from './dialogs/dialog-effects.js';
import { createDialogProfiles } from './dialogs/dialog-profile.js';
import { createDialogRuntime } from './dialogs/dialog-runtime.js';
import { createDialogStore } from './dialogs/dialog-store.js';
import { errorMiddleware } from './http/error-middleware.js';
import { requestMetricsMiddleware } from './http/metrics-middleware.js';
import { devRoutes } from './http/routes/dev.routes.js';
import { opsRoutes } from './http/routes/ops.routes.js';
import { resetRoutes } from './http/routes/reset.routes.js';
import { ussdRoutes } from './http/routes/ussd.routes.js';
import { createLogger, type Logger } from './logger.js';
import { createMetrics } from './observability/metrics.js';
import { createResetTokens } from './security/reset-token.js';
import { createSecretHasher } from './security/secret-hasher.js';
import { warmPasswordPolicy } from './security/password-policy.js';
import { createCredentialService } from './services/credential-service.js';
import { createNotifier } from './services/notifier.js';
import { createRateLimiter, type Limits } from './services/rate-limits.js';
import { createResetService } from './services/reset-service.js';
import type { KvStore } from './store/kv-store.js';
import { createMemoryKvStore } from './store/memory-kv-store.js';
import { createRedisKvStore } from './store/redis-kv-store.js';

export interface AppOptions {
  logger?: Logger;
  limits?: Partial<Limits>;
  sender?: MessageSender;
}

/** Request bodies larger than this are refused with 413: no webhook or API call needs more. */
export const BODY_LIMIT = '16kb';

async function openDatabase(config: Config, logger: Logger): Promise<Database> {
  if (config.databaseUrl) return createPostgresDatabase(config.databaseUrl, (err) => logger.warn({ err: err.message }, 'postgres idle client error'));
  logger.warn('DATABASE_URL is not set: using embedded PGlite (development only)');
  return createPgliteDatabase(config.pgliteDataDir);
}

function openRedis(config: Config, prefix: string, logger: Logger): Redis | undefined {
  if (!config.redisUrl) return undefined;
  // Fail fast while Redis is away (hops must answer within the telco deadline); reconnect forever.
  const redis = new Redis(config.redisUrl, { keyPrefix: prefix, maxRetriesPerRequest: 1, connectTimeout: 2000, lazyConnect: true });
  redis.on('error', (err: Error) => logger.warn({ err: err.message }, 'redis error'));
  return redis;
}

export async function createApp(config: Config, options: AppOptions = {}) {
  const logger = options.logger ?? createLogger(config.logLevel);
  const metrics = createMetrics();
  const db = await openDatabase(config, logger);
  const redis = openRedis(config, config.redisKeyPrefix, logger);
  if (redis) await redis.connect();
  if (!redis) logger.warn('REDIS_URL is not set: using the in-process store (development only)');
  const kv: KvStore = redis ? createRedisKvStore(redis) : createMemoryKvStore();

  if (config.migrateOnStart) await runMigrations(db);
  const outbox: DevOutbox | undefined = config.isProduction ? undefined : createDevOutbox({ print: config.env === 'development' });
  if (!config.isProduction && !config.databaseUrl) await seedDemoUsers(db);
  const sender = options.sender ?? outbox?.sender ?? unconfiguredSender;
  if (sender === unconfiguredSender) logger.warn('no SMS/email provider is configured: codes cannot be delivered');

  // Work that runs after the answer (sending a code): tracked so shutdown and tests can wait for it.
  const pending = new Set<Promise<unknown>>();
  const defer = (work: () => Promise<unknown>) => {
    const p = work().catch((err) => logger.error({ err: (err as Error).message }, 'deferred work failed')).finally(() => pending.delete(p));
    pending.add(p);
  };

  const limiter = createRateLimiter({
    redis, keyPrefix: '', pepper: config.pepper, limits: options.limits,
    onLimited: (scope) => metrics.rateLimited.inc({ scope }),
  });
  const tokens = createResetTokens({ secrets: [...config.jwtResetSecrets], ttlSeconds: config.resetTokenTtlSeconds });
  const hasher = createSecretHasher({ pepper: config.pepper, cost: config.bcryptCost });
  // Builds the password-strength dictionaries now rather than on the first user's request.
  warmPasswordPolicy();
  const notifier = createNotifier({ sender, db, metrics, logger, otpTtlSeconds: config.otpTtlSeconds, otpSmsDomain: config.otpSmsDomain });
  const resets = createResetService({
    db, limiter, notifier, tokens, metrics, pepper: config.pepper, otpTtlSeconds: config.otpTtlSeconds,
    resetTokenTtlSeconds: config.resetTokenTtlSeconds, defaultCountry: config.defaultCountry, defer,
  });
  const credentials = createCredentialService({ db, hasher, tokens, notifier, metrics, resetTokenTtlSeconds: config.resetTokenTtlSeconds, defer });

  const profiles = createDialogProfiles(db, { pepper: config.pepper, defaultCountry: config.defaultCountry, knowledgePolicy: config.ussdKnowledgePolicy });
  const dialogs = createDialogRuntime({
    // A dialog outlives its code and its reset step: resumable while the request is.
    store: createDialogStore(kv, (config.otpTtlSeconds + config.resetTokenTtlSeconds) * 1000),
    effects: createDialogEffects({ db, resets, credentials, hasher, limiter, pepper: config.pepper, knowledgeOnFile: profiles.knowledgeOnFile }),
    profiles, metrics, logger, hopDeadlineMs: config.ussdHopDeadlineMs,
  });

  const router = new Router();
  resetRoutes(router, { resets, credentials });
  ussdRoutes(router, { runtime: dialogs, db, metrics, logger, atWebhookToken: config.atWebhookToken, defaultCountry: config.defaultCountry });
  opsRoutes(router, {
    registry: metrics.registry,
    mode: config.databaseUrl && redis ? 'services' : 'embedded',
    checks: { [db.kind]: () => db.ping(), [kv.kind === 'redis' ? 'redis' : 'store']: () => kv.ping() },
    onCheck: (dependency, up) => metrics.dependencyUp.set({ dependency }, up ? 1 : 0),
  });
  if (outbox) devRoutes(router, { outbox });

  const koa = new Koa({ proxy: config.trustProxy });
  // Metrics outermost: they must see the status the error middleware settles on.
  koa.use(requestMetricsMiddleware(metrics));
  koa.use(errorMiddleware(logger));
  koa.use(bodyParser({ enableTypes: ['json', 'form'], jsonLimit: BODY_LIMIT, formLimit: BODY_LIMIT }));
  koa.use(router.routes());
  koa.use(router.allowedMethods());
  // Errors are answered by errorMiddleware; this keeps koa from printing them a second time.
  koa.on('error', () => {});

  return {
    config, logger, metrics, db, kv, redis, outbox, koa, services: { resets, credentials, notifier, limiter, dialogs },
    /** Waits for deferred work (sends) to finish. */
    settle: async () => { while (pending.size > 0) await Promise.all([...pending]); },
    async close() {
      await Promise.all([...pending]);
      await Promise.allSettled([kv.close(), db.close()]);
    },
  };
}

export type App = Awaited<ReturnType<typeof createApp>>;
