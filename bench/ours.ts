import { randomBytes } from 'node:crypto';
import { type Child, freePort, spawnNode, waitForHttp } from './children.ts';
import { BENCH_AGENT, BENCH_API_KEY, BENCH_CREDENTIALS } from './orders.ts';

/** What our service processes share in one bench run. */
export interface OursSetup {
  redisUrl: string;
  /** QUEUE_PREFIX (our config wraps it in a Cluster hash tag). */
  queuePrefix: string;
  dataKey: string;
  vcareUrl: string;
}

export const DATA_KEY = randomBytes(32).toString('base64');

/** The Node options `npm start`, `npm run api` and `npm run worker` (and the image) run with. */
const NODE_FLAGS = ['--max-semi-space-size=32'];

/** BENCH_CPU_PROF=<dir>: our processes write V8 CPU profiles there (`node --cpu-prof`). */
const profile = process.env.BENCH_CPU_PROF
  ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
  : [];

/** The environment of a production deployment (no development defaults), at default log level. */
function env(setup: OursSetup, extra: Record<string, string>): Record<string, string> {
  return {
    NODE_ENV: 'production',
    REDIS_URL: setup.redisUrl,
    QUEUE_PREFIX: setup.queuePrefix,
    VCARE_BASE_URL: setup.vcareUrl,
    VCARE_VENDOR_ID: BENCH_CREDENTIALS.vendor_id,
    VCARE_USERNAME: BENCH_CREDENTIALS.username,
    VCARE_PASSWORD: BENCH_CREDENTIALS.password,
    VCARE_PIN: BENCH_CREDENTIALS.pin,
    VCARE_AGENT_ID: BENCH_AGENT.id,
    VCARE_AGENT_PASSWORD: BENCH_AGENT.password,
    API_KEYS: BENCH_API_KEY,
    ADMIN_USER: 'bench-admin',
    ADMIN_PASSWORD: 'bench-admin-password',
    DATA_KEY: setup.dataKey,
    CALLBACK_SECRET: 'bench-callback-secret-0123456789',
    // The children get no inherited environment: a cap toward vCare set for the bench run
    // must reach our workers (unset, as by default, runs uncapped).
    ...(process.env.VCARE_MAX_RPS ? { VCARE_MAX_RPS: process.env.VCARE_MAX_RPS } : {}),
    ...extra,
  };
}

/** `node src/main.ts api` (intake only, as `npm run api`); resolves once /healthz answers. */
export async function startOursApi(setup: OursSetup): Promise<{ url: string; child: Child }> {
  const port = await freePort();
  const child = spawnNode(
    'api',
    [...NODE_FLAGS, ...profile, 'src/main.ts', 'api'],
    env(setup, { PORT: String(port) }),
    'ignore',
  );
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/healthz`, child);
  return { url, child };
}

/** `node src/main.ts worker` (as `npm run worker`); resolves once its /readyz answers. */
export async function startOursWorkers(setup: OursSetup, concurrency: number): Promise<Child> {
  const port = await freePort();
  const child = spawnNode(
    `workers(c=${concurrency})`,
    [...NODE_FLAGS, ...profile, 'src/main.ts', 'worker'],
    env(setup, { WORKER_HEALTH_PORT: String(port), WORKER_CONCURRENCY: String(concurrency) }),
    'ignore',
  );
  await waitForHttp(`http://127.0.0.1:${port}/readyz`, child);
  return child;
}

/**
 * `processes` worker processes sharing `concurrency` (WORKER_CONCURRENCY is per process), as
 * one deploys on a machine with that many cores; resolves once all are ready.
 */
export async function startOursWorkerGroup(
  setup: OursSetup,
  concurrency: number,
  processes: number,
): Promise<{ stop(): Promise<void> }> {
  const each = Math.ceil(concurrency / processes);
  const children = await Promise.all(
    Array.from({ length: processes }, () => startOursWorkers(setup, each)),
  );
  return {
    async stop() {
      await Promise.all(children.map((child) => child.stop()));
    },
  };
}
