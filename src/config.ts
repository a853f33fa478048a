import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { z } from 'zod';

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
} as const;

type DevDefaulted = keyof typeof DEV_DEFAULTS | 'DATA_KEY';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const nonEmpty = z.string().min(1);

const envSchema = z.object({
  NODE_ENV: z.string().default('development'),
  /** Unset: redis://127.0.0.1:6379, started locally by `npm start` when nothing answers there. */
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
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
  WORKER_CONCURRENCY: int(1, 5000).default(50),
  /** Total tries per order for transient faults (token faults do not count). */
  JOB_ATTEMPTS: int(1, 100).default(8),
  /** First backoff delay; doubles per attempt with jitter (8 attempts ≈ 64 min at 30 s). */
  BACKOFF_DELAY_MS: int(0, 3_600_000).default(30_000),
  API_KEYS: z
    .string()
    .transform((s) => s.split(',').map((k) => k.trim()))
    .pipe(z.array(z.string().min(16, 'each key must be at least 16 characters')).min(1)),
  ADMIN_USER: nonEmpty,
  ADMIN_PASSWORD: nonEmpty,
  /** 32-byte key, base64, for secrets at rest. */
  DATA_KEY: z
    .string()
    .refine((s) => Buffer.from(s, 'base64').length === 32, 'must be 32 bytes encoded in base64'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SANDBOX_PORT: int(0, 65535).default(4010),
});

export type Env = z.infer<typeof envSchema>;

export interface Config {
  readonly env: Env;
  readonly production: boolean;
  readonly redisUrl: string;
  /** BullMQ prefix with a Redis Cluster hash tag, so every queue's keys share one slot. */
  readonly queuePrefix: string;
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
      return i.code === 'invalid_type' && raw[name] === undefined
        ? `${name} is required${production ? ' in production' : ''}`
        : `${name}: ${i.message}`;
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

function rejectDevCredentials(env: Env): void {
  for (const [name, value] of Object.entries(DEV_DEFAULTS)) {
    const actual = env[name as keyof Env];
    const same = Array.isArray(actual) ? actual.includes(value) : actual === value;
    if (same) throw new ConfigError(`${name} still has its development default; set a real value`);
  }
}
