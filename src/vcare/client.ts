import { Pool } from 'undici';
import type { VcareModule } from '../actions/action.ts';
import type { RedisClient } from '../queue/redis.ts';
import type { Cipher } from '../security/cipher.ts';
import { classify, type Exchange, type Outcome } from './outcome.ts';
import { parseReply } from './reply.ts';
import { createTokenPool, type TokenPool, type TokenPoolOptions } from './token-pool.ts';

export interface VcareCredentials {
  vendor_id: string;
  username: string;
  password: string;
  pin: string;
}

export interface VcareClientOptions {
  /** e.g. `https://www.vcareapi.com:8080` */
  baseUrl: string;
  credentials: VcareCredentials;
  /** Per call; past it the outcome is unknown. */
  timeoutMs: number;
  redis: RedisClient;
  /** Redis key of the shared token pool. */
  tokenPoolKey: string;
  cipher: Cipher;
  /** Token faults retried at once within one call before counting as transient. @defaultValue 3 */
  maxTokenRetries?: number;
  /**
   * Tuning of the token pool (local stack size, authentication concurrency, max age).
   * `maxConcurrentAuth` defaults to {@link DEFAULT_AUTH_CONCURRENCY} here.
   */
  tokenPool?: Pick<TokenPoolOptions, 'localCapacity' | 'maxConcurrentAuth' | 'maxAgeMs'>;
  /** Told about every exchange (metrics, logs). Must not throw. */
  onExchange?: (event: ExchangeEvent) => void;
}

export interface ExchangeEvent {
  module: VcareModule | 'authenticate';
  action: string | undefined;
  outcome: Outcome;
  seconds: number;
}

/** The outcome of one order's call, after any token retries. */
export type CallResult = Outcome & { tokenRetries: number };

export interface VcareClient {
  /**
   * Posts one action. Never throws for vCare or network trouble: the outcome says what happened.
   * Throws only before the request is sent (the token pool's Redis), so a throw is never an
   * unknown outcome.
   */
  call(
    module: VcareModule,
    body: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<CallResult>;
  readonly tokens: TokenPool;
  /** Closes idle connections to vCare now, the others once their calls end. */
  close(): Promise<void>;
}

/** Raised when vCare has not answered within the call's timeout: the request may have acted. */
export class TimeoutError extends Error {
  override name = 'TimeoutError';
}

/** Raised when `/authenticate` does not yield a token; the order's request was never sent. */
export class AuthenticationError extends Error {
  override name = 'AuthenticationError';
  readonly outcome: Outcome;
  constructor(outcome: Outcome) {
    super(`vCare authentication failed: ${outcome.cause}${outcome.msg ? ` (${outcome.msg})` : ''}`);
    this.outcome = outcome;
  }
}

/**
 * `/authenticate` calls a process may have in flight while its callers wait for tokens. Each
 * call yields one token and the pool needs one per call in flight, so one at a time fills a
 * pool of C tokens in C × vCare's latency: a minute at concurrency 300 and 200 ms, after every
 * cold start or rise in latency. Still only while callers wait, so the total barely changes.
 */
export const DEFAULT_AUTH_CONCURRENCY = 16;

export function createVcareClient(options: VcareClientOptions): VcareClient {
  const maxTokenRetries = options.maxTokenRetries ?? 3;
  const onExchange = options.onExchange ?? (() => {});
  // undici's own request API, the engine under Node's fetch without its WHATWG layer: measured
  // at a sixth of ky's CPU per call (docs/benchmarks.md), the largest cost of a worker's order.
  // No retries here (BullMQ owns them, one retry layer); every status is classified, not thrown.
  const base = new URL(options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`);
  const pool = new Pool(base.origin, { headersTimeout: 0, bodyTimeout: 0 });
  const { timeoutMs } = options;

  /** One POST; the whole exchange (headers and body) within `timeoutMs`. */
  async function post(
    path: string,
    body: Record<string, unknown>,
    token: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<{ status: number; text: string; retryAfter: string | undefined }> {
    signal?.throwIfAborted();
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new TimeoutError(`vCare did not answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const cancel = () => controller.abort(signal?.reason);
    signal?.addEventListener('abort', cancel, { once: true });
    try {
      const response = await pool.request({
        path: `${base.pathname}${path}`,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          ...(token && { token }),
        },
        body: JSON.stringify(body),
        signal: controller.signal,
      });
      const text = await response.body.text();
      const retryAfter = response.headers['retry-after'];
      return {
        status: response.statusCode,
        text,
        retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
      };
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', cancel);
    }
  }

  async function exchange(
    module: VcareModule | 'authenticate',
    body: Record<string, unknown>,
    token: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<{ outcome: Outcome; token: string | undefined }> {
    const started = performance.now();
    let result: Exchange;
    let replyToken: string | undefined;
    try {
      const response = await post(module, body, token, signal);
      const parsed = parseReply(response.text);
      replyToken = parsed?.token;
      result = {
        kind: 'reply',
        status: response.status,
        body: parsed,
        retryAfterMs: retryAfter(response.retryAfter),
      };
    } catch (error) {
      result = { kind: 'failure', error };
    }
    const outcome = classify(result);
    onExchange({
      module,
      action: typeof body.action === 'string' ? body.action : undefined,
      outcome,
      seconds: (performance.now() - started) / 1000,
    });
    return { outcome, token: replyToken };
  }

  const tokens = createTokenPool({
    maxConcurrentAuth: DEFAULT_AUTH_CONCURRENCY,
    ...options.tokenPool,
    redis: options.redis,
    key: options.tokenPoolKey,
    cipher: options.cipher,
    authenticate: async () => {
      const { outcome, token } = await exchange(
        'authenticate',
        { ...options.credentials },
        undefined,
        undefined,
      );
      if (outcome.class !== 'success' || !token) throw new AuthenticationError(outcome);
      return token;
    },
  });

  return {
    tokens,
    close: () => pool.close(),
    async call(module, body, signal) {
      for (let tokenRetries = 0; ; tokenRetries++) {
        let token: string;
        try {
          token = await tokens.acquire(signal);
        } catch (error) {
          if (error instanceof AuthenticationError) {
            // The order itself never left: safe to retry later whatever the action.
            return {
              ...error.outcome,
              class: 'transient',
              cause: 'authenticate_failed',
              tokenRetries,
            };
          }
          throw error;
        }
        const { outcome, token: fresh } = await exchange(module, body, token, signal);
        // vCare has answered: a Redis error here must not hide that answer (the order would be
        // retried, a second call). A token not returned is only a token lost.
        if (fresh) await tokens.release(fresh).catch(() => {});
        if (outcome.class !== 'token') return { ...outcome, tokenRetries };
        if (tokenRetries >= maxTokenRetries) {
          return { ...outcome, class: 'transient', tokenRetries };
        }
      }
    },
  };
}

/** Retry-After as seconds or an HTTP date, in ms; undefined when absent or unreadable. */
function retryAfter(header: string | undefined): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
