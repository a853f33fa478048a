import type { CliConfig } from './cli-config.ts';
import { defaultNotice } from './cli-config.ts';
import { CliError } from './cli-error.ts';

/** Which credential a route takes: the producer key or the admin basic auth. */
export type Credential = 'producer' | 'admin';

export interface RequestOptions {
  auth: Credential;
  /** Sent as JSON. */
  json?: unknown;
  /** Query parameters; undefined ones are left out. */
  query?: Record<string, string | number | boolean | undefined>;
  /** Gives up after this long. @defaultValue 60000; 0 waits as long as the server takes */
  timeoutMs?: number;
}

/** An answer the command has to judge: any 2xx or 4xx other than 401/403. */
export interface ServiceResponse {
  status: number;
  /** Parsed JSON, or the text when the body is not JSON. */
  body: unknown;
}

/** A plain fetch client of the service that turns what no command can fix into `CliError`s. */
export interface ServiceClient {
  readonly url: string;
  request(method: string, path: string, options: RequestOptions): Promise<ServiceResponse>;
}

const UNAUTHORIZED: Record<Credential, string> = {
  producer: 'unauthorized: check VCARE_ORDERS_API_KEY',
  admin: 'unauthorized: check VCARE_ORDERS_ADMIN (user:password)',
};

/**
 * Network failures, 401/403 and 5xx throw a `CliError` with one clear line; everything else is
 * returned. Announces a development credential on stderr the first time it is used.
 */
export function createServiceClient(
  config: CliConfig,
  notice: (line: string) => void,
): ServiceClient {
  const announced = new Set<string>();
  const authorization = (auth: Credential): string => {
    const variable = auth === 'producer' ? 'VCARE_ORDERS_API_KEY' : 'VCARE_ORDERS_ADMIN';
    if (config.defaulted.has(variable) && !announced.has(variable)) {
      announced.add(variable);
      notice(defaultNotice(variable));
    }
    if (auth === 'producer') return `Bearer ${config.apiKey}`;
    const { user, password } = config.admin;
    return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  };

  return {
    url: config.url,
    async request(method, path, options) {
      const target = new URL(`${config.url}${path}`);
      for (const [name, value] of Object.entries(options.query ?? {})) {
        if (value !== undefined) target.searchParams.set(name, String(value));
      }
      const headers: Record<string, string> = { authorization: authorization(options.auth) };
      if (options.json !== undefined) headers['content-type'] = 'application/json';
      const timeoutMs = options.timeoutMs ?? 60_000;
      let response: Response;
      let text: string;
      try {
        response = await fetch(target, {
          method,
          headers,
          body: options.json === undefined ? undefined : JSON.stringify(options.json),
          signal: timeoutMs > 0 ? AbortSignal.timeout(timeoutMs) : undefined,
        });
        text = await response.text();
      } catch (error) {
        throw new CliError(unreachable(config.url, error, timeoutMs));
      }
      const body = parseBody(text);
      if (response.status === 401 || response.status === 403) {
        throw new CliError(UNAUTHORIZED[options.auth]);
      }
      if (response.status >= 500) {
        throw new CliError(
          `service error on ${method} ${path}: ${describeFailure(response.status, body)}`,
        );
      }
      return { status: response.status, body };
    },
  };
}

/** `HTTP 409 already_replayed: …` from an error answer of the service. */
export function describeFailure(status: number, body: unknown): string {
  if (body && typeof body === 'object') {
    const { error, message } = body as { error?: unknown; message?: unknown };
    const parts = [error, message].filter((p): p is string => typeof p === 'string' && p !== '');
    if (parts.length > 0) return `HTTP ${status} ${parts.join(': ')}`;
  }
  const text = typeof body === 'string' ? body.trim().split('\n')[0]?.slice(0, 200) : '';
  return text ? `HTTP ${status} ${text}` : `HTTP ${status}`;
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function unreachable(url: string, error: unknown, timeoutMs: number): string {
  if (error instanceof DOMException && error.name === 'TimeoutError') {
    return `no answer from ${url} within ${timeoutMs / 1000} s`;
  }
  const code = errorCode(error);
  if (code === 'ECONNREFUSED') return `cannot reach ${url}: is the service running?`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `cannot reach ${url}: unknown host`;
  return `cannot reach ${url}: ${code ?? (error instanceof Error ? error.message : String(error))}`;
}

/** fetch wraps the socket error in `cause`; dual-stack connects wrap it in an AggregateError. */
function errorCode(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: string; errors?: { code?: string }[] } })?.cause;
  return cause?.code ?? cause?.errors?.[0]?.code;
}
