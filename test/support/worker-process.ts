import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import { createSandbox, type Sandbox } from '../../src/sandbox/sandbox.ts';
import { type Service, startService } from '../../src/service.ts';
import { deleteKeys, eventually, REDIS_URL } from './harness.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CREDENTIALS = {
  vendor_id: 'kill-vendor',
  username: 'kill-user',
  password: 'kill-pass',
  pin: '1357',
};
const AGENT = { id: 'kill-agent', password: 'kill-agent-pass' };

/**
 * What worker processes and the test share: a fresh queue prefix, an in-test sandbox with
 * the credentials in `env`, and a producer-only service (no API, no workers) on that prefix.
 */
export interface ProcessStage {
  env: Record<string, string>;
  sandbox: Sandbox;
  /** Producer, queues and dead letters of the prefix; nothing runs jobs in it. */
  service: Service;
  /** Starts `node src/main.ts worker` with `env` and these extras; resolves once it is ready. */
  startWorker(extra?: Record<string, string>): Promise<WorkerProcess>;
  close(): Promise<void>;
}

export interface WorkerProcess {
  readonly child: ChildProcess;
  /** Everything it printed so far (pino lines), for assertions and failure messages. */
  output(): string;
  /** Sends `signal`; resolves with the exit code (null when killed by a signal). */
  stop(signal: NodeJS.Signals): Promise<number | null>;
}

export async function startStage(env: Record<string, string> = {}): Promise<ProcessStage> {
  const sandbox = createSandbox({
    credentials: CREDENTIALS,
    agents: { [AGENT.id]: AGENT.password },
  });
  const sandboxUrl = await sandbox.listen(0);
  const stageEnv: Record<string, string> = {
    NODE_ENV: 'test',
    REDIS_URL,
    QUEUE_PREFIX: `t${randomBytes(6).toString('hex')}`,
    VCARE_BASE_URL: sandboxUrl,
    VCARE_VENDOR_ID: CREDENTIALS.vendor_id,
    VCARE_USERNAME: CREDENTIALS.username,
    VCARE_PASSWORD: CREDENTIALS.password,
    VCARE_PIN: CREDENTIALS.pin,
    VCARE_AGENT_ID: AGENT.id,
    VCARE_AGENT_PASSWORD: AGENT.password,
    DATA_KEY: randomBytes(32).toString('base64'),
    BACKOFF_DELAY_MS: '10',
    WORKER_HEALTH_PORT: '0',
    LOG_LEVEL: 'info',
    ...env,
  };
  const service = await startService({
    config: loadConfig(stageEnv),
    logger: createLogger('silent'),
    vcareBaseUrl: sandboxUrl,
    api: false,
    workers: false,
  });
  const started: WorkerProcess[] = [];

  return {
    env: stageEnv,
    sandbox,
    service,
    async startWorker(extra = {}) {
      const worker = spawnWorker({ ...stageEnv, ...extra });
      started.push(worker);
      await eventually(
        async () => {
          if (worker.child.exitCode !== null) {
            throw new Error(`worker exited early:\n${worker.output()}`);
          }
          return worker.output().includes('vcare-orders workers ready') ? true : undefined;
        },
        { what: 'the worker process to be ready', timeoutMs: 20_000 },
      );
      return worker;
    },
    async close() {
      await Promise.all(started.map((w) => w.stop('SIGKILL')));
      await service.close();
      await sandbox.close();
      const redis = new Redis(REDIS_URL);
      await deleteKeys(redis, `{${stageEnv.QUEUE_PREFIX}}*`);
      await redis.quit();
    },
  };
}

function spawnWorker(env: Record<string, string>): WorkerProcess {
  const child = spawn(process.execPath, ['src/main.ts', 'worker'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    text += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    text += chunk;
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return {
    child,
    output: () => text,
    async stop(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
