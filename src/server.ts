/** Entry point: npm run dev (tsx) and npm start (dist/server.js). */
import dotenv from 'dotenv';
import { createApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { holdDataDir, waitForDataDir } from './dev/data-dir-lock.js';
import { startUpBanner } from './dev/start-up-banner.js';
import { startHttpServer } from './http/http-server.js';
import { createReadableLogger } from './logger.js';

dotenv.config({ quiet: true });

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

/** The embedded PGlite folder this process would open, if any. */
const pgliteDir = (config: Config) => (config.databaseUrl ? undefined : config.pgliteDataDir);

async function main() {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
  const dir = pgliteDir(config);
  // 30 s covers the previous server's drain (25 s) when the watcher restarts it.
  const holder = dir && (await waitForDataDir(dir, 30_000));
  if (holder)
    fail(
      `PGLITE_DATA_DIR ${dir} is already open in process ${holder} (another npm run dev?): stop it first, one process per embedded database.`,
    );
  // Readable lines for a developer; JSON everywhere else (production, tests, log collectors).
  const development = config.env === 'development';
  const app = await createApp(config, development ? { logger: await createReadableLogger(config.logLevel) } : {});
  if (dir) holdDataDir(dir);
  const running = await startHttpServer(app, config.port, config.host);
  app.logger.info(
    {
      host: config.host,
      port: running.port,
      metricsPort: running.metrics?.port,
      env: config.env,
      mode: config.databaseUrl ? 'services' : 'embedded',
    },
    'molam-id-password-reset listening',
  );
  if (development) process.stdout.write(startUpBanner(app, running.port));

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.logger.info({ signal }, 'shutting down: draining in-flight requests');
    running.stop().then(
      () => process.exit(0),
      (err) => {
        app.logger.error({ err: (err as Error).message }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err) => {
  process.stderr.write(`molam-id-password-reset failed to start: ${(err as Error).message}\n`);
  process.exit(1);
});
