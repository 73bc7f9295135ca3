# syntax=docker/dockerfile:1

# Build stage: compile better-sqlite3 and the TypeScript sources, then drop the dev dependencies.
FROM node:20-bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
COPY src ./src
# `npm ci` installs and builds (the `prepare` script runs tsc into dist/).
RUN npm ci \
 && npm prune --omit=dev \
 && npm cache clean --force

# Runtime stage: only what `node dist/src/main.js` and the CLI need.
FROM node:20-bookworm-slim
WORKDIR /app
ENV REPOGATE_DATA_DIR=/data \
    REPOGATE_ADMIN_HOST=0.0.0.0
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY config ./config
# `repogate` on the PATH: `docker compose exec repogate repogate accounts list`.
RUN chmod +x dist/src/cli/main.js \
 && ln -s /app/dist/src/cli/main.js /usr/local/bin/repogate \
 && mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 8080 8081
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
  CMD ["node", "-e", "require('http').get('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz', (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1))"]
# As `npm start` (the server applies its own V8 settings: src/process-settings.ts).
CMD ["node", "dist/src/main.js"]
