import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { BENCH_CREDENTIALS } from './orders.ts';

/**
 * The worker baselines: a bare BullMQ worker on `enrollment` that POSTs each job's data (the
 * vCare body our workers would send) to `/customer` and completes on RESTAPI000.
 * - `floor`: one POST per job, to a sandbox without token checks: what any worker pays.
 * - `practice`: `/authenticate` before every action call, as public vCare clients do.
 * Env: REDIS_URL, BENCH_PREFIX, VCARE_URL, CONCURRENCY, MODE. Prints `ready` once running.
 */
const mode = process.env.MODE === 'practice' ? 'practice' : 'floor';
const base = process.env.VCARE_URL as string;
const connection = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
  maxRetriesPerRequest: null,
});

interface Reply {
  msg_code?: string;
  msg?: string;
  token?: string;
  data?: unknown;
}

async function post(path: string, body: unknown, token?: string): Promise<Reply> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.token = token;
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers,
    body: JSON.stringify(body),
  });
  return (await response.json()) as Reply;
}

const worker = new Worker(
  'enrollment',
  async (job) => {
    let token: string | undefined;
    if (mode === 'practice') {
      token = (await post('/authenticate', BENCH_CREDENTIALS)).token;
      if (!token) throw new Error('authenticate gave no token');
    }
    const reply = await post('/customer', job.data, token);
    if (reply.msg_code !== 'RESTAPI000') throw new Error(`${reply.msg_code} ${reply.msg}`);
    return reply.data;
  },
  {
    connection,
    prefix: process.env.BENCH_PREFIX,
    concurrency: Number(process.env.CONCURRENCY ?? 50),
  },
);
worker.on('error', (error) => process.stderr.write(`worker error: ${error.message}\n`));
await worker.waitUntilReady();
process.stdout.write('ready\n');

process.on('SIGTERM', () => {
  worker.close().then(
    () => connection.quit().then(() => process.exit(0)),
    () => process.exit(1),
  );
});
