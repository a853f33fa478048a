import type { Queue } from 'bullmq';
import express, {
  type ErrorRequestHandler,
  type Express,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';
import helmet from 'helmet';
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
import { buildOpenApi } from './openapi.ts';
import { ordersRoutes } from './orders-routes.ts';
import { requestLog } from './request-log.ts';

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

/** The HTTP face of the service: intake, status, Bull Board, health. Composes only. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  // JSON answers to API calls are never revalidated: hashing each body for an ETag is waste.
  app.set('etag', false);
  app.use(requestLog(deps.logger));
  // Bull Board included: its page runs only same-origin scripts. No upgrade-insecure-requests,
  // which would break the board where it is served over plain HTTP inside a private network.
  app.use(
    fixedHeaders(
      helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }),
    ),
  );

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
      res.status(400).json({ error: 'invalid_json', message: 'request body is not valid JSON' });
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
    res.status(status >= 400 && status < 600 ? status : 500).json({ error: 'internal_error' });
  };
  app.use(onError);
  return app;
}

/**
 * The headers `middleware` (helmet) sets, worked out once and set in one call per response:
 * they are the same on every response (no per-request nonce), and helmet's thirteen
 * middlewares per request were a measurable share of intake's CPU.
 */
function fixedHeaders(middleware: RequestHandler): RequestHandler {
  const headers = new Map<string, string | string[]>();
  const recorder = {
    setHeader(name: string, value: string | string[]) {
      headers.set(name, value);
    },
    removeHeader(name: string) {
      headers.delete(name);
    },
  };
  let called = false;
  middleware({} as Request, recorder as unknown as Response, () => {
    called = true;
  });
  if (!called) throw new Error('header middleware did not run synchronously');
  return (_req, res, next) => {
    res.setHeaders(headers);
    next();
  };
}
