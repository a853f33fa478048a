import type { Queue } from 'bullmq';
import express, { type ErrorRequestHandler, type Express } from 'express';
import helmet from 'helmet';
import type { Redis } from 'ioredis';
import type { Logger } from '../log.ts';
import type { Producer } from '../queue/producer.ts';
import { requireAdmin, requireProducerKey } from './auth.ts';
import { BULL_BOARD_PATH, bullBoardRouter } from './bull-board.ts';
import { ordersRoutes } from './orders-routes.ts';

export interface AppDeps {
  producer: Producer;
  deadLetters: Queue;
  redis: Redis;
  apiKeys: readonly string[];
  admin: { user: string; password: string };
  logger: Logger;
  /** Reports whether this process's workers run (undefined: an API-only process). */
  workersReady?: () => boolean;
}

/** The HTTP face of the service: intake, status, Bull Board, health. Composes only. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const redisOk = await deps.redis.ping().then(
      (pong) => pong === 'PONG',
      () => false,
    );
    const workersOk = deps.workersReady ? deps.workersReady() : true;
    res.status(redisOk && workersOk ? 200 : 503).json({ redis: redisOk, workers: workersOk });
  });

  const admin = requireAdmin(deps.admin.user, deps.admin.password);
  app.use(
    BULL_BOARD_PATH,
    admin,
    bullBoardRouter([...deps.producer.queues.values(), deps.deadLetters]),
  );

  app.use('/v1', helmet());
  app.use('/v1/orders', requireProducerKey(deps.apiKeys));
  app.use('/v1', express.json({ limit: '5mb' }));
  app.use(ordersRoutes({ producer: deps.producer, deadLetters: deps.deadLetters }));

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
