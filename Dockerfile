# syntax=docker/dockerfile:1

# Build: every dependency, then the TypeScript compile into dist/.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY nest-cli.json tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# Runtime: production dependencies, the compiled code and the bundled sample data only.
FROM node:22-bookworm-slim AS runtime
# tini runs as PID 1: it forwards SIGTERM to node and reaps zombies.
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    PORT=3000 \
    DATA_DIR=/var/lib/sales-metrics
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
  && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY data ./data
# Files stay owned by root and read-only to the service; uploads go to DATA_DIR, mount a volume there.
RUN mkdir -p /var/lib/sales-metrics && chown node:node /var/lib/sales-metrics
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["tini", "--"]
# The same command as `npm run start:prod` (a young generation of 2 × 2 MiB, see README);
# scripts/check-production-artifact.sh runs this CMD and fails when the two differ.
CMD ["node", "--max-semi-space-size=2", "dist/main.js"]
