import type { RequestListener } from 'node:http';
import type { Queue } from 'bullmq';
import express, { type ErrorRequestHandler, type Express } from 'express';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { Producer } from '../queue/producer.ts';
import type { RedisClient } from '../queue/redis.ts';
import type { RetryPolicy } from '../queue/retry-policy.ts';
import type { Cipher } from '../security/cipher.ts';
import { requireAdmin, requireProducerKey } from './auth.ts';
import { BULL_BOARD_PATH, bullBoardRouter } from './bull-board.ts';
import { deadLettersRoutes } from './dead-letters-routes.ts';
import { healthRoutes } from './health-routes.ts';
import { INTERNAL_ERROR, INVALID_JSON, intakeFastPath } from './intake-fast-path.ts';
import { buildOpenApi } from './openapi.ts';
import { ordersRoutes } from './orders-routes.ts';
import { requestLog } from './request-log.ts';
import { type HeaderSet, securityHeaders, setHeaders } from './security-headers.ts';

export interface AppDeps {
  producer: Producer;
  deadLetters: Queue;
  redis: RedisClient;
  apiKeys: readonly string[];
  admin: { user: string; password: string };
  logger: Logger;
  /** Reports whether this process's workers run (undefined: an API-only process). */
  workersReady?: () => boolean;
  /** Served at /metrics; replay routes count replays on it. */
  metrics?: Metrics;
  /** The `callbacks` queue, shown in Bull Board. */
  callbacks?: Queue;
  /** Opens dead-letter payloads for replays and masks their secrets in the ops API. */
  cipher: Cipher;
  /** Attempts and backoff of replayed orders (the producer's). */
  retry: RetryPolicy;
}

/**
 * The HTTP face of the service: the express app, behind the intake fast path that answers the
 * common `POST /v1/orders` without it (intake-fast-path.ts).
 */
export function createApiHandler(deps: AppDeps): { listener: RequestListener; app: Express } {
  const headers = securityHeaders();
  const app = createApp(deps, headers);
  const listener = intakeFastPath(
    {
      producer: deps.producer,
      deadLetters: deps.deadLetters,
      apiKeys: deps.apiKeys,
      logger: deps.logger,
      headers,
    },
    app,
  );
  return { listener, app };
}

/** The express app: intake, status, Bull Board, health. Composes only. */
function createApp(deps: AppDeps, headers: HeaderSet): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  // JSON answers to API calls are never revalidated: hashing each body for an ETag is waste.
  app.set('etag', false);
  app.use(requestLog(deps.logger));
  app.use(setHeaders(headers));

  // Intake first: the busiest routes pass the fewest layers.
  const admin = requireAdmin(deps.admin.user, deps.admin.password);
  app.use('/v1/orders', requireProducerKey(deps.apiKeys));
  app.use('/v1/dead-letters', admin);
  // One order is a few kB; only a batch (up to 1000 orders) needs megabytes.
  app.use('/v1/orders/batch', express.json({ limit: '5mb' }));
  app.use('/v1', express.json({ limit: '256kb' }));
  app.use(ordersRoutes({ producer: deps.producer, deadLetters: deps.deadLetters }));
  app.use(
    deadLettersRoutes({
      actor: deps.admin.user,
      ops: {
        queues: deps.producer.queues,
        deadLetters: deps.deadLetters,
        redis: deps.redis,
        cipher: deps.cipher,
        retry: deps.retry,
        onReplayed: (queue) => deps.metrics?.recordReplay(queue),
      },
    }),
  );

  app.use(
    healthRoutes({ redis: deps.redis, workersReady: deps.workersReady, metrics: deps.metrics }),
  );
  const openApi = buildOpenApi();
  app.get('/openapi.json', (_req, res) => {
    res.json(openApi);
  });
  app.use(
    BULL_BOARD_PATH,
    admin,
    bullBoardRouter([
      ...deps.producer.queues.values(),
      deps.deadLetters,
      ...(deps.callbacks ? [deps.callbacks] : []),
    ]),
  );

  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found' });
  });
  const onError: ErrorRequestHandler = (error, req, res, _next) => {
    const status = typeof error?.status === 'number' ? error.status : 500;
    if (status === 400 && error?.type === 'entity.parse.failed') {
      res.status(400).json(INVALID_JSON);
      return;
    }
    if (status === 413) {
      res.status(413).json({ error: 'payload_too_large' });
      return;
    }
    deps.logger.error(
      { err: { message: error?.message, name: error?.name }, path: req.path },
      'request failed',
    );
    res.status(status >= 400 && status < 600 ? status : 500).json(INTERNAL_ERROR);
  };
  app.use(onError);
  return app;
}
