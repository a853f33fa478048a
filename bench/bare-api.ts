import { Queue } from 'bullmq';
import express from 'express';
import { Redis } from 'ioredis';

/**
 * The intake baseline: a bare express app whose routes only hand the body to BullMQ, as a
 * hand-rolled producer would. No auth, validation, encryption or logging.
 * - `POST /orders`: `queue.add(body.action, body)`
 * - `POST /orders/batch`: `queue.addBulk` of the array
 * Env: REDIS_URL, BENCH_PREFIX, PORT. Prints `ready` once listening.
 */
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
  maxRetriesPerRequest: 1,
});
const queue = new Queue('enrollment', { connection: redis, prefix: process.env.BENCH_PREFIX });

const app = express();
app.post('/orders', express.json({ limit: '256kb' }), async (req, res) => {
  const job = await queue.add(String(req.body.action), req.body);
  res.status(202).json({ id: job.id });
});
app.post('/orders/batch', express.json({ limit: '5mb' }), async (req, res) => {
  const bodies = req.body as Array<Record<string, unknown>>;
  const jobs = await queue.addBulk(bodies.map((data) => ({ name: String(data.action), data })));
  res.json({ results: jobs.map((job, index) => ({ index, id: job.id })) });
});

const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write('ready\n');
});
process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  Promise.all([queue.close()]).then(
    () => redis.quit().then(() => process.exit(0)),
    () => process.exit(1),
  );
});
