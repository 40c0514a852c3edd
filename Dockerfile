# syntax=docker/dockerfile:1
# Molam ID reset service (Brique 6): docker build -t molam-id-password-reset .
# No daemon runs on our machines: test/deploy/image-steps.test.ts replays these
# steps on the host, so keep to FROM, WORKDIR, ENV, COPY, RUN, USER, EXPOSE,
# HEALTHCHECK and CMD (exec form).

# Node.js 24, the Active LTS line (security fixes to April 2028): the guide's
# node:20 reached end of life in April 2026. `engines` (>=20) and CI keep Node 20
# working; on 24 the two EBADENGINE warnings of Node 20 installs do not appear.
# Both stages use the same line, so `npm ci` resolves and checks engines for the
# Node.js that runs the bundle (which targets node20: it runs on either).

# --- build: dev dependencies type-check and bundle src/ into dist/ ---
FROM node:24-alpine AS build
WORKDIR /app
# Manifests first: the install layer is reused until the lockfile changes.
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# --- run: production dependencies, the bundle and the migrations only ---
FROM node:24-alpine AS run
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# bcrypt 6 ships linux-x64/arm64 musl prebuilds: alpine needs no python3/make/g++.
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --no-audit --no-fund
COPY --from=build /app/dist ./dist
# Migrations run at start (MIGRATE_ON_START) from /app/sql, beside dist/.
COPY sql ./sql
# MIT: the licence travels with every copy of the software, the image included.
COPY LICENSE ./
# The image's "node" user, numeric so Kubernetes' runAsNonRoot can verify it.
# Files stay root-owned: the service cannot rewrite its own code.
USER 1000:1000
EXPOSE 8085
# Node's fetch, not wget: no extra package; PORT as the service reads it. /health/live,
# like the k8s liveness probe: a Postgres or Redis outage must not mark every container unhealthy.
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8085)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# node as PID 1, not `npm start` (the same command): SIGTERM reaches server.ts's
# 25 s drain directly, and npm writes no logs to the read-only root filesystem.
CMD ["node", "dist/server.js"]
