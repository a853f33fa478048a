# Multi-stage: dependencies resolved once, a slim non-root runtime on Node 24.
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim
ENV NODE_ENV=production
# A larger young generation: each order allocates short-lived objects, and the default one
# was scavenged so often that garbage collection took a tenth of a worker's CPU (as the npm
# scripts run it; docs/benchmarks.md).
ENV NODE_OPTIONS=--max-semi-space-size=32
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY src ./src
COPY workers ./workers
USER node
# API and Bull Board; worker health (WORKER_HEALTH_PORT); sandbox.
EXPOSE 3000 3001 4010
ENTRYPOINT ["node", "src/main.ts"]
CMD ["all"]
