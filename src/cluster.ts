/**
 * Cluster mode without a process manager: `node dist/cluster.js` forks one
 * worker per core (WEB_CONCURRENCY to override) sharing port 8085, the same
 * as the guide's `pm2 start dist/server.js -i max`. Dialog state, locks and
 * limits live in Redis, so any worker can answer any hop. SIGTERM drains
 * every worker; a worker that dies unexpectedly is replaced.
 */
import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';

const workers = Number(process.env.WEB_CONCURRENCY) || availableParallelism();

if (cluster.isPrimary) {
  let stopping = false;
  for (let i = 0; i < workers; i += 1) cluster.fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    process.stderr.write(`worker ${worker.process.pid} exited (${signal ?? code}); starting a new one\n`);
    // A worker that cannot start at all (bad configuration) must not be restarted in a loop.
    if (code === 1) process.exit(1);
    cluster.fork();
  });
  const stop = () => {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} else {
  await import('./server.js');
}
