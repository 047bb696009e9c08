# syntax=docker/dockerfile:1
#
# Latchkey container image. Build:   docker build -t latchkey .
#                           Run:     docker run -p 3000:3000 -v latchkey-data:/data latchkey
# Every setting is a LATCHKEY_* environment variable (docs/configuration.md); the image only sets
# where it listens and where its data lives. See docs/deployment.md.

ARG NODE_VERSION=20

# --- build: dev dependencies, compile the server and the console, pack what a release holds ------
FROM node:${NODE_VERSION}-bookworm-slim AS build
# better-sqlite3 downloads a prebuilt binary; these build it from source when no prebuilt fits.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm pack --pack-destination /tmp

# The release tarball (package.json "files") plus production dependencies from the lockfile,
# installed from the cache the first `npm ci` filled.
WORKDIR /app
RUN tar -xzf /tmp/latchkey-*.tgz --strip-components=1 --no-same-owner \
 && cp /src/package-lock.json ./ \
 && npm ci --omit=dev --prefer-offline --no-audit --no-fund \
 && rm package-lock.json

# --- run: production dependencies only, non-root ------------------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim
RUN groupadd --system --gid 10001 latchkey \
 && useradd --system --uid 10001 --gid latchkey --home-dir /data --shell /usr/sbin/nologin latchkey \
 && mkdir -p /data \
 && chown latchkey:latchkey /data
# Owned by root: the server cannot change its own code.
COPY --from=build /app /app
WORKDIR /app

ENV NODE_ENV=production \
    LATCHKEY_LISTEN_HOST=0.0.0.0 \
    LATCHKEY_LISTEN_PORT=3000 \
    LATCHKEY_DATA_DIR=/data \
    LATCHKEY_DATABASE_URL=sqlite:/data/latchkey.db

# SQLite database and, when LATCHKEY_SECRET is unset, the generated server secret.
VOLUME ["/data"]
EXPOSE 3000
USER 10001:10001

HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.LATCHKEY_LISTEN_PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# `docker run latchkey migrate`, `docker run latchkey config`, ... run the other CLI commands.
ENTRYPOINT ["node", "/app/bin/latchkey.js"]
CMD ["start"]
