/** Entry point: npm run dev (tsx) and npm start (dist/server.js). */
import dotenv from 'dotenv';
import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { startHttpServer } from './http/http-server.js';

dotenv.config({ quiet: true });

async function main() {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const app = await createApp(config);
  const running = await startHttpServer(app, config.port, config.host);
  app.logger.info({
    host: config.host, port: running.port, metricsPort: running.metrics?.port, env: config.env, mode: config.databaseUrl ? 'services' : 'embedded',
  }, 'molam-id-password-reset listening');

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
