import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { parseRedisUrl } from './queue/redis-url.ts';
import { retryOverridesSchema } from './queue/retry-policy.ts';

/** Raised when the environment cannot make a valid configuration; names the variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const DEV_DEFAULTS = {
  VCARE_VENDOR_ID: 'sandbox-vendor',
  VCARE_USERNAME: 'sandbox-user',
  VCARE_PASSWORD: 'sandbox-password',
  VCARE_PIN: '0000',
  VCARE_AGENT_ID: 'sandbox-agent',
  VCARE_AGENT_PASSWORD: 'sandbox-agent-password',
  API_KEYS: 'dev-producer-key',
  ADMIN_USER: 'admin',
  ADMIN_PASSWORD: 'admin',
  CALLBACK_SECRET: 'dev-callback-secret',
} as const;

type DevDefaulted = keyof typeof DEV_DEFAULTS | 'DATA_KEY';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const isDataKey = (k: string) =>
  /^[A-Za-z0-9+/_-]+={0,2}$/.test(k) && Buffer.from(k, 'base64').length === 32;
const nonEmpty = z.string().min(1);

const envSchema = z.object({
  NODE_ENV: z.string().default('development'),
  /**
   * Unset: redis://127.0.0.1:6379, started locally by `npm start` when nothing answers there.
   * Also `redis+cluster://…` and `redis+sentinel://…` (src/queue/redis-url.ts).
   */
  REDIS_URL: z.string().superRefine(redisUrlIssue).optional(),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only')
    .default('vcare'),
  PORT: int(0, 65535).default(3000),
  /** Unset: the built-in sandbox on SANDBOX_PORT. */
  VCARE_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  VCARE_VENDOR_ID: nonEmpty,
  VCARE_USERNAME: nonEmpty,
  VCARE_PASSWORD: nonEmpty,
  VCARE_PIN: nonEmpty,
  VCARE_AGENT_ID: nonEmpty,
  VCARE_AGENT_PASSWORD: z.string().optional(),
  VCARE_SOURCE: nonEmpty.default('API'),
  /** Per vCare call; past it the outcome is unknown (the request may have been acted on). */
  VCARE_TIMEOUT_MS: int(100, 600_000).default(20_000),
  /** vCare calls started per second across all workers and queues; unset = no cap. */
  VCARE_MAX_RPS: int(1, 100_000).optional(),
  /** Circuit breaker: vCare failures are counted over this sliding window. */
  VCARE_CIRCUIT_WINDOW_MS: int(100, 3_600_000).default(10_000),
  /** Circuit breaker: fewer calls than this in the window never open it. */
  VCARE_CIRCUIT_MIN_CALLS: int(1, 1_000_000).default(20),
  /** Circuit breaker: it opens when at least this share of the window's calls failed. */
  VCARE_CIRCUIT_FAILURE_RATIO: z.coerce.number().gt(0).max(1).default(0.5),
  /** Circuit breaker: while open, one probe call goes to vCare this often. */
  VCARE_CIRCUIT_PROBE_INTERVAL_MS: int(100, 3_600_000).default(10_000),
  WORKER_CONCURRENCY: int(1, 5000).default(50),
  /** Total tries per order for transient faults (token faults do not count). */
  JOB_ATTEMPTS: int(1, 100).default(8),
  /** First backoff delay; doubles per attempt with jitter (8 attempts ≈ 64 min at 30 s). */
  BACKOFF_DELAY_MS: int(0, 3_600_000).default(30_000),
  /**
   * Per-queue overrides of JOB_ATTEMPTS and BACKOFF_DELAY_MS, as JSON:
   * `{"purchase":{"attempts":5,"backoff_delay_ms":60000,"max_delay_ms":3600000}}`.
   */
  RETRY_POLICY: z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.issues.push({ code: 'custom', message: 'must be a JSON object', input: text });
        return z.NEVER;
      }
    })
    .pipe(retryOverridesSchema)
    .optional(),
  /** How long a worker's job lock lasts without renewal; a dead worker's jobs rerun after it. */
  WORKER_LOCK_DURATION_MS: int(1000, 600_000).default(30_000),
  /** How often workers look for jobs whose lock expired (stalled jobs). */
  WORKER_STALLED_INTERVAL_MS: int(500, 600_000).default(30_000),
  /** Stalls an order survives; one more and it is dead-lettered (BullMQ's maxStalledCount). */
  WORKER_MAX_STALLS: int(0, 100).default(1),
  /** How long SIGTERM waits for jobs in flight before leaving them to stalled-job recovery. */
  SHUTDOWN_GRACE_MS: int(0, 600_000).default(25_000),
  /** Completed orders are kept this long (GET /v1/orders/:id answers for them)… */
  KEEP_COMPLETED_HOURS: z.coerce.number().min(0).max(8760).default(24),
  /** …and at most this many per queue. */
  KEEP_COMPLETED_COUNT: int(0, 10_000_000).default(10_000),
  /** Dead-letter entries, and the failed order jobs they describe, are kept this long. */
  KEEP_DEAD_LETTER_DAYS: z.coerce.number().min(0).max(3650).default(30),
  API_KEYS: z
    .string()
    .transform((s) => s.split(',').map((k) => k.trim()))
    .pipe(z.array(z.string().min(16, 'each key must be at least 16 characters')).min(1)),
  ADMIN_USER: nonEmpty,
  ADMIN_PASSWORD: nonEmpty,
  /**
   * 32-byte keys, base64, for secrets at rest; comma-separated during a rotation. The first
   * encrypts, all decrypt (see README, Security).
   */
  DATA_KEY: z
    .string()
    .refine(
      (s) => s.split(',').every((k) => isDataKey(k.trim())),
      'each comma-separated key must be 32 bytes encoded in base64',
    ),
  /** How long dead-letter entries keep their (encrypted) secrets before they are scrubbed. */
  DEAD_LETTER_SECRET_TTL_HOURS: z.coerce.number().min(0).max(8760).default(24),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SANDBOX_PORT: int(0, 65535).default(4010),
  /** Port of /healthz, /readyz and /metrics in a workers-only process (`npm run worker`). */
  WORKER_HEALTH_PORT: int(0, 65535).default(3001),
  /** HMAC-SHA256 key signing status callbacks to upstream (`X-Vcare-Orders-Signature`). */
  CALLBACK_SECRET: z.string().min(16, 'must be at least 16 characters'),
  /** First delay between callback deliveries; doubles per attempt (10 attempts). */
  CALLBACK_BACKOFF_DELAY_MS: int(0, 3_600_000).default(10_000),
});

export type Env = z.infer<typeof envSchema>;

/** Every environment variable the service reads (deployment files are checked against it). */
export const ENV_NAMES: readonly string[] = Object.keys(envSchema.shape);

/** Variables without a default: a production deployment must set each of them. */
export const PRODUCTION_REQUIRED_ENV: readonly string[] = ENV_NAMES.filter(
  (name) => !envSchema.shape[name as keyof Env].safeParse(undefined).success,
);

export interface Config {
  readonly env: Env;
  readonly production: boolean;
  readonly redisUrl: string;
  /** BullMQ prefix with a Redis Cluster hash tag, so every queue's keys share one slot. */
  readonly queuePrefix: string;
  /** DATA_KEY split: the first encrypts, all decrypt. */
  readonly dataKeys: readonly string[];
  /** Variables that got a development default; announced at start. */
  readonly defaulted: readonly DevDefaulted[];
}

/**
 * Reads and validates the environment once. The only reader of `process.env` in the code base.
 * Outside production, missing credentials get announced development defaults; in production
 * their absence stops the process.
 */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const raw: Record<string, string | undefined> = { ...source };
  for (const [name, value] of Object.entries(raw)) if (value === '') raw[name] = undefined;
  const production = raw.NODE_ENV === 'production';
  const defaulted: DevDefaulted[] = [];
  if (!production) {
    for (const [name, value] of Object.entries(DEV_DEFAULTS)) {
      if (raw[name] === undefined) {
        raw[name] = value;
        defaulted.push(name as DevDefaulted);
      }
    }
    if (raw.DATA_KEY === undefined) {
      raw.DATA_KEY = developmentDataKey();
      defaulted.push('DATA_KEY');
    }
  }
  const parsed = envSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const name = String(i.path[0] ?? 'environment');
      const inside = i.path.length > 1 ? `${i.path.slice(1).join('.')}: ` : '';
      return i.code === 'invalid_type' && raw[name] === undefined
        ? `${name} is required${production ? ' in production' : ''}`
        : `${name}: ${inside}${i.message}`;
    });
    throw new ConfigError(`invalid configuration: ${lines.join('; ')}`);
  }
  const env = parsed.data;
  if (production) rejectDevCredentials(env);
  return Object.freeze({
    env,
    production,
    redisUrl: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    queuePrefix: `{${env.QUEUE_PREFIX}}`,
    dataKeys: env.DATA_KEY.split(',').map((k) => k.trim()),
    defaulted,
  });
}

/**
 * Development only: a random key kept in `.data/dev-data-key`, so orders queued before a restart
 * of `npm start` still decrypt after it.
 */
function developmentDataKey(): string {
  const file = '.data/dev-data-key';
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    const key = randomBytes(32).toString('base64');
    mkdirSync('.data', { recursive: true });
    writeFileSync(file, key, { mode: 0o600 });
    return key;
  }
}

function redisUrlIssue(url: string, ctx: z.RefinementCtx): void {
  try {
    parseRedisUrl(url);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
  }
}

function rejectDevCredentials(env: Env): void {
  for (const [name, value] of Object.entries(DEV_DEFAULTS)) {
    const actual = env[name as keyof Env];
    const same = Array.isArray(actual) ? actual.includes(value) : actual === value;
    if (same) throw new ConfigError(`${name} still has its development default; set a real value`);
  }
}
