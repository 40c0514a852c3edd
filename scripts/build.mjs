// Bundles the service and its command-line tools into dist/ (dist/server.js is
// what `npm start` and the guide's `pm2 start dist/server.js -i max` run).
// Dependencies stay external: they come from node_modules at run time.
import { build } from 'esbuild';

await build({
  entryPoints: {
    server: 'src/server.ts',
    cluster: 'src/cluster.ts',
    migrate: 'src/cli/migrate.ts',
    'users-add': 'src/cli/users-add.ts',
    'audit-archive': 'src/cli/audit-archive.ts',
    purge: 'src/cli/purge.ts',
    doctor: 'src/cli/doctor.ts',
  },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'info',
});
