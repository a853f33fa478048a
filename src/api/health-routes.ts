import { Router } from 'express';
import type { Metrics } from '../metrics/metrics.ts';
import type { RedisClient } from '../queue/redis.ts';
import { within } from '../within.ts';

export interface HealthRoutesDeps {
  /** A fail-fast client connection: a ping must not wait out an outage. */
  redis: RedisClient;
  /** Whether this process's workers run; undefined in an API-only process. */
  workersReady?: () => boolean;
  metrics?: Metrics;
  /** Longest a readiness ping may take before Redis counts as down. @defaultValue 1000 ms */
  pingTimeoutMs?: number;
}

/**
 * Unauthenticated probes, the same in the API and in a workers-only process:
 * - `GET /healthz` 200 `{status: "ok"}` while the process serves HTTP (liveness);
 * - `GET /readyz` 200 `{redis: true, workers: true}`, or 503 naming what is down (readiness);
 * - `GET /metrics` Prometheus text (bind or protect it in deployment).
 */
export function healthRoutes(deps: HealthRoutesDeps): Router {
  const router = Router();
  const pingTimeoutMs = deps.pingTimeoutMs ?? 1000;

  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/readyz', async (_req, res) => {
    const redisOk = await pingWithin(deps.redis, pingTimeoutMs);
    const workersOk = deps.workersReady ? deps.workersReady() : true;
    res.status(redisOk && workersOk ? 200 : 503).json({ redis: redisOk, workers: workersOk });
  });

  const metrics = deps.metrics;
  if (metrics) {
    router.get('/metrics', async (_req, res) => {
      res.type(metrics.contentType).send(await metrics.render());
    });
  }
  return router;
}

function pingWithin(redis: RedisClient, ms: number): Promise<boolean> {
  return within(ms, redis.ping()).then(
    (pong) => pong === 'PONG',
    () => false,
  );
}
