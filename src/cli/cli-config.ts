import { z } from 'zod';

/**
 * Configuration of the `vcare-orders` CLI. The CLI is a separate program (an HTTP client of
 * the service, never touching Redis), so it has its own small schema instead of the
 * service's `src/config.ts`; `main.ts` hands it `process.env`.
 */
export interface CliConfig {
  /** Base URL of the service, no trailing slash. @defaultValue 'http://127.0.0.1:3000' */
  url: string;
  /** Producer key for `enqueue` and `status`. @defaultValue 'dev-producer-key' (announced) */
  apiKey: string;
  /** Admin credentials for the `dlq` commands. @defaultValue admin:admin (announced) */
  admin: { user: string; password: string };
  /** Development defaults in use, by variable name, for a notice on stderr when used. */
  defaulted: Set<'VCARE_ORDERS_API_KEY' | 'VCARE_ORDERS_ADMIN'>;
}

export const DEFAULT_URL = 'http://127.0.0.1:3000';
const DEV_API_KEY = 'dev-producer-key';
const DEV_ADMIN = 'admin:admin';

const envSchema = z.object({
  VCARE_ORDERS_URL: z.url({ protocol: /^https?$/ }).optional(),
  VCARE_ORDERS_API_KEY: z.string().min(1).optional(),
  VCARE_ORDERS_ADMIN: z
    .string()
    .regex(/^[^:]+:.+$/, 'must be user:password')
    .optional(),
});

/** Raised on a bad setting; its message is the one line the CLI prints. */
export class CliConfigError extends Error {
  override name = 'CliConfigError';
}

/**
 * Reads the CLI's variables from `env`; `urlFlag` (`--url`) wins over `VCARE_ORDERS_URL`.
 * Empty variables count as unset, like the service's config.
 */
export function loadCliConfig(
  env: Record<string, string | undefined>,
  urlFlag?: string,
): CliConfig {
  const present = Object.fromEntries(
    Object.keys(envSchema.shape).flatMap((k) => (env[k] ? [[k, env[k]]] : [])),
  );
  if (urlFlag !== undefined) present.VCARE_ORDERS_URL = urlFlag;
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name =
      urlFlag !== undefined && issue?.path[0] === 'VCARE_ORDERS_URL' ? '--url' : issue?.path[0];
    throw new CliConfigError(`invalid ${String(name)}: ${issue?.message ?? 'invalid value'}`);
  }
  const vars = parsed.data;
  const defaulted: CliConfig['defaulted'] = new Set();
  if (!vars.VCARE_ORDERS_API_KEY) defaulted.add('VCARE_ORDERS_API_KEY');
  if (!vars.VCARE_ORDERS_ADMIN) defaulted.add('VCARE_ORDERS_ADMIN');
  const admin = vars.VCARE_ORDERS_ADMIN ?? DEV_ADMIN;
  const colon = admin.indexOf(':');
  return {
    url: (vars.VCARE_ORDERS_URL ?? DEFAULT_URL).replace(/\/+$/, ''),
    apiKey: vars.VCARE_ORDERS_API_KEY ?? DEV_API_KEY,
    admin: { user: admin.slice(0, colon), password: admin.slice(colon + 1) },
    defaulted,
  };
}

/** The stderr notice for a development default the command is about to use. */
export function defaultNotice(variable: 'VCARE_ORDERS_API_KEY' | 'VCARE_ORDERS_ADMIN'): string {
  return variable === 'VCARE_ORDERS_API_KEY'
    ? `vcare-orders: VCARE_ORDERS_API_KEY is unset; using the development key ${DEV_API_KEY}`
    : 'vcare-orders: VCARE_ORDERS_ADMIN is unset; using the development admin:admin';
}
