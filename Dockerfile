# syntax=docker/dockerfile:1

# Anchor: one image serving the API, the realtime socket and the built web client.
#   docker build -t anchor .
#   docker run -p 3000:3000 -e DATABASE_URL=postgres://... anchor
# or, with a PostgreSQL beside it: docker compose up --build (see docker-compose.yml).

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: every dependency, then the TypeScript projects and the client bundle ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app

# The manifests first, so the dependency layer is cached until they change.
COPY package.json package-lock.json ./
COPY shared/package.json shared/
COPY migrations/package.json migrations/
COPY server/package.json server/
COPY client/package.json client/
RUN npm ci --no-audit --no-fund

COPY . .
# Root script: tsc -b (shared, migrations, server) && vite build (client).
RUN npm run build

# ---- runtime: production dependencies and the compiled output only ----
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app

COPY package.json package-lock.json ./
COPY shared/package.json shared/
COPY migrations/package.json migrations/
COPY server/package.json server/
COPY client/package.json client/
# The server's, shared's and migrations' production dependencies (the client is served as static files, so
# React and friends stay out). argon2 installs from its bundled prebuilds; embedded-postgres brings its binaries
# for running without DATABASE_URL. Both install scripts are approved in package.json's allowScripts.
RUN npm ci --omit=dev --workspace=server --workspace=shared --workspace=migrations --include-workspace-root \
      --no-audit --no-fund \
  && npm cache clean --force

COPY --from=build /app/shared/dist shared/dist
COPY --from=build /app/migrations/dist migrations/dist
COPY --from=build /app/server/dist server/dist
COPY --from=build /app/client/dist client/dist
# The demo pairs: server/src/demo/seed-demo.ts reads them from this source path (tsc does not copy them to dist).
COPY --from=build /app/server/src/demo/demo-pairs.json server/src/demo/demo-pairs.json

# ANCHOR_DATA_DIR (default ./.anchor) holds generated secrets, and the embedded database when DATABASE_URL is
# unset; it must be writable by the unprivileged user (PostgreSQL also refuses to run as root).
RUN mkdir -p /app/.anchor && chown node:node /app/.anchor
USER node

EXPOSE 3000
# No curl in the slim image: ask Node (global fetch) instead.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

CMD ["node", "server/dist/main.js"]
