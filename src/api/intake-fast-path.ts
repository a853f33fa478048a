import type { RequestListener, ServerResponse } from 'node:http';
import type { Queue } from 'bullmq';
import type { Logger } from '../log.ts';
import type { Producer } from '../queue/producer.ts';
import { producerKeyCheck, UNAUTHORIZED } from './auth.ts';
import { answerOrder } from './orders-routes.ts';
import { requestLogger } from './request-log.ts';
import type { HeaderSet } from './security-headers.ts';

export interface IntakeFastPathDeps {
  producer: Producer;
  deadLetters: Queue;
  apiKeys: readonly string[];
  logger: Logger;
  /** The security headers every response carries (the express app sets the same). */
  headers: HeaderSet;
}

/** The answer to a body that is not JSON (the express app gives the same). */
export const INVALID_JSON = {
  error: 'invalid_json',
  message: 'request body is not valid JSON',
} as const;

/** The answer to a request that failed on our side (the express app gives the same). */
export const INTERNAL_ERROR = { error: 'internal_error' } as const;

/** As `express.json({ limit: '256kb' })` on `/v1`. */
const LIMIT_BYTES = 256 * 1024;
const PLAIN_JSON = /^application\/json\s*(;\s*charset="?utf-8"?\s*)?$/i;

/**
 * Answers `POST /v1/orders` without express, and hands every other request to `fallback` (the
 * express app). Intake's busiest request spent about as much CPU in express's layers (routing,
 * body parsing, response helpers) as in validating, encrypting and queueing the order
 * (docs/benchmarks.md). Same answers as the express route: the same log line and security
 * headers, the same producer key check, the same body (`answerOrder`), the same answers to a
 * body that is not JSON and to a failure. Only the plain case is taken: a body of known length
 * within the limit, `application/json` in UTF-8, not compressed, no query string; anything
 * else (chunked or empty bodies, other types or charsets, `Content-Encoding`) goes to express,
 * which answers it as it always has.
 */
export function intakeFastPath(
  deps: IntakeFastPathDeps,
  fallback: RequestListener,
): RequestListener {
  const log = requestLogger(deps.logger);
  const accepted = producerKeyCheck(deps.apiKeys);
  const securityHeaders = rawHeaders(deps.headers);
  return (req, res) => {
    const length = Number(req.headers['content-length']);
    if (
      req.method !== 'POST' ||
      req.url !== '/v1/orders' ||
      !(length > 0 && length <= LIMIT_BYTES) ||
      req.headers['content-encoding'] !== undefined ||
      !PLAIN_JSON.test(req.headers['content-type'] ?? '')
    ) {
      fallback(req, res);
      return;
    }
    const head = [...securityHeaders, 'x-request-id', log(req, res)];
    if (!accepted(req.headers.authorization)) {
      send(res, head, 401, UNAUTHORIZED);
      return;
    }
    const chunks: Buffer[] = [];
    // An aborted upload ends here; its log line says so when the response closes.
    req.on('error', () => {});
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = parseJson(Buffer.concat(chunks).toString('utf8'));
      if (body === NOT_JSON) {
        send(res, head, 400, INVALID_JSON);
        return;
      }
      const key = req.headers['idempotency-key'];
      answerOrder(deps, body, Array.isArray(key) ? key.join(', ') : key).then(
        (answer) => send(res, head, answer.status, answer.json, answer.location),
        (error: unknown) => {
          deps.logger.error(
            {
              err: { message: (error as Error)?.message, name: (error as Error)?.name },
              path: '/v1/orders',
            },
            'request failed',
          );
          send(res, head, 500, INTERNAL_ERROR);
        },
      );
    });
  };
}

const NOT_JSON = Symbol('not JSON');

/** As body-parser's strict JSON: an object or array, a leading byte-order mark ignored. */
function parseJson(text: string): unknown {
  try {
    const value: unknown = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    return typeof value === 'object' && value !== null ? value : NOT_JSON;
  } catch {
    return NOT_JSON;
  }
}

/**
 * Writes the whole answer with one `writeHead` of a flat header list: `setHeader` per header
 * (validated and stored one by one, then serialised) was a visible share of a request's CPU.
 */
function send(
  res: ServerResponse,
  head: string[],
  status: number,
  json: unknown,
  location?: string,
): void {
  if (res.headersSent || res.destroyed) return;
  const body = JSON.stringify(json);
  head.push('content-type', 'application/json; charset=utf-8');
  head.push('content-length', String(Buffer.byteLength(body)));
  if (location) head.push('location', location);
  res.writeHead(status, head);
  res.end(body);
}

/** `headers` as the flat name, value, name, value… list `writeHead` takes. */
function rawHeaders(headers: HeaderSet): string[] {
  const flat: string[] = [];
  for (const [name, value] of headers) {
    for (const one of Array.isArray(value) ? value : [value]) flat.push(name, one);
  }
  return flat;
}
