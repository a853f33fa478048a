import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Fsync, RedisServer } from './redis-server.ts';
import { freePort, ServiceProcess } from './service-process.ts';

export const API_KEY = 'chaos-producer-key-0123456789';
export const ADMIN = { user: 'chaos-ops', password: 'chaos-ops-password' };

/** Settings of the service processes that shape a run (see config.ts for each). */
export interface StackOptions {
  fsync: Fsync;
  workers: number;
  workerConcurrency: number;
  /** Tries per order: generous, so that 10% 5xx plus a vCare pause do not exhaust them. */
  attempts: number;
  backoffMs: number;
  /** Longest backoff, so that retries after a pause come back within the run. */
  maxBackoffMs: number;
  vcareTimeoutMs: number;
}

/**
 * Everything of one chaos run on loopback: its own redis-server (AOF, `fsync` mode), a sandbox
 * process, the API process and the worker processes, all `node src/main.ts <mode>` with one
 * environment. Logs and Redis data live in a temporary directory removed on `close` (kept
 * when `keep`).
 */
export class Stack {
  readonly dir: string;
  readonly redis: RedisServer;
  readonly sandbox: ServiceProcess;
  readonly api: ServiceProcess;
  readonly workers: ServiceProcess[];
  readonly env: Record<string, string>;
  readonly apiUrl: string;
  readonly sandboxUrl: string;
  /** BullMQ prefix (`{QUEUE_PREFIX}`). */
  readonly prefix: string;

  private constructor(init: {
    dir: string;
    redis: RedisServer;
    sandbox: ServiceProcess;
    api: ServiceProcess;
    workers: ServiceProcess[];
    env: Record<string, string>;
    apiUrl: string;
    sandboxUrl: string;
    prefix: string;
  }) {
    this.dir = init.dir;
    this.redis = init.redis;
    this.sandbox = init.sandbox;
    this.api = init.api;
    this.workers = init.workers;
    this.env = init.env;
    this.apiUrl = init.apiUrl;
    this.sandboxUrl = init.sandboxUrl;
    this.prefix = init.prefix;
  }

  static async start(options: StackOptions): Promise<Stack> {
    const dir = mkdtempSync(join(tmpdir(), `vcare-chaos-${options.fsync}-`));
    const logDir = join(dir, 'logs');
    const redisDir = join(dir, 'redis');
    mkdirSync(logDir);
    mkdirSync(redisDir);
    const [redisPort, sandboxPort, apiPort, ...workerPorts] = await Promise.all(
      Array.from({ length: 3 + options.workers }, () => freePort()),
    );
    const redis = new RedisServer(redisPort as number, redisDir, options.fsync);
    const sandboxUrl = `http://127.0.0.1:${sandboxPort}`;
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const queuePrefix = `chaos${randomBytes(4).toString('hex')}`;
    const backoff = {
      backoff_delay_ms: options.backoffMs,
      max_delay_ms: options.maxBackoffMs,
    };
    const env: Record<string, string> = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      REDIS_URL: redis.url,
      QUEUE_PREFIX: queuePrefix,
      PORT: String(apiPort),
      SANDBOX_PORT: String(sandboxPort),
      VCARE_BASE_URL: sandboxUrl,
      VCARE_VENDOR_ID: 'chaos-vendor',
      VCARE_USERNAME: 'chaos-user',
      VCARE_PASSWORD: 'chaos-password',
      VCARE_PIN: '8642',
      VCARE_AGENT_ID: 'chaos-agent',
      VCARE_AGENT_PASSWORD: 'chaos-agent-pass',
      VCARE_TIMEOUT_MS: String(options.vcareTimeoutMs),
      WORKER_CONCURRENCY: String(options.workerConcurrency),
      JOB_ATTEMPTS: String(options.attempts),
      BACKOFF_DELAY_MS: String(options.backoffMs),
      RETRY_POLICY: JSON.stringify({
        enrollment: backoff,
        activation: backoff,
        'status-change': backoff,
        purchase: backoff,
      }),
      // Once vCare is back after the pause, the open circuit lets a probe through soon.
      VCARE_CIRCUIT_PROBE_INTERVAL_MS: '2000',
      // A killed worker's jobs rerun within seconds, yet a busy event loop on two cores does
      // not lose its locks.
      WORKER_LOCK_DURATION_MS: '5000',
      WORKER_STALLED_INTERVAL_MS: '2000',
      SHUTDOWN_GRACE_MS: '2000',
      // Nothing is removed during the run: every accepted order can be found at the end.
      KEEP_COMPLETED_COUNT: '10000000',
      API_KEYS: API_KEY,
      ADMIN_USER: ADMIN.user,
      ADMIN_PASSWORD: ADMIN.password,
      DATA_KEY: randomBytes(32).toString('base64'),
      CALLBACK_SECRET: randomBytes(24).toString('hex'),
    };
    const sandbox = new ServiceProcess({
      name: 'sandbox',
      mode: 'sandbox',
      env,
      readyUrl: `${sandboxUrl}/__sandbox/health`,
      logDir,
    });
    const api = new ServiceProcess({
      name: 'api',
      mode: 'api',
      env,
      readyUrl: `${apiUrl}/readyz`,
      logDir,
    });
    const workers = workerPorts.map(
      (port, i) =>
        new ServiceProcess({
          name: `worker-${i + 1}`,
          mode: 'worker',
          env: { ...env, WORKER_HEALTH_PORT: String(port) },
          readyUrl: `http://127.0.0.1:${port}/readyz`,
          logDir,
        }),
    );
    const stack = new Stack({
      dir,
      redis,
      sandbox,
      api,
      workers,
      env,
      apiUrl,
      sandboxUrl,
      prefix: `{${queuePrefix}}`,
    });
    await redis.start();
    await Promise.all([sandbox.start(), api.start(), ...workers.map((w) => w.start())]);
    return stack;
  }

  /** Stops every process (SIGKILL: nothing of the run is worth a graceful stop). */
  async close(keep: boolean): Promise<void> {
    await Promise.all([this.api, this.sandbox, ...this.workers].map((p) => p.stop('SIGKILL')));
    await this.redis.kill();
    for (const p of [this.api, this.sandbox, ...this.workers]) p.close();
    if (!keep) rmSync(this.dir, { recursive: true, force: true });
  }
}
