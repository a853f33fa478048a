import type { VcareReply } from './reply.ts';

/**
 * What to do about a vCare exchange. Closed set; only the processor turns it into BullMQ moves.
 * - `success`: vCare did it.
 * - `token`: the token was refused; retry at once with another, no attempt spent.
 * - `transient`: vCare did not act (or answered with a gateway error); retry with backoff.
 * - `permanent`: vCare refused the order itself or our configuration; retrying cannot help.
 * - `unknown-outcome`: the request may have reached vCare but no usable answer came back.
 */
export type OutcomeClass = 'success' | 'token' | 'transient' | 'permanent' | 'unknown-outcome';

/** One exchange with vCare as the client saw it. */
export type Exchange =
  | { kind: 'reply'; status: number; body: VcareReply | undefined; retryAfterMs?: number }
  | { kind: 'failure'; error: unknown };

export interface Outcome {
  class: OutcomeClass;
  /** Bounded, machine-readable cause (`http_503`, `RESTAPI110`, `timeout`, `ECONNREFUSED` …). */
  cause: string;
  httpStatus?: number;
  msgCode?: string;
  msg?: string;
  errors?: string[];
  data?: unknown;
  retryAfterMs?: number;
}

const TOKEN_MESSAGES = new Set(['Invalid Token', 'Token already used', 'Token expire']);

/** Network error codes meaning the connection never opened, so vCare never saw the request. */
const NEVER_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

interface Row {
  readonly when: string;
  readonly test: (x: Exchange) => boolean;
  readonly class: OutcomeClass;
}

const reply = (x: Exchange) => (x.kind === 'reply' ? x : undefined);

/** The classification table, first matching row wins. Exported so tests walk it row by row. */
export const OUTCOME_TABLE: readonly Row[] = [
  {
    when: 'timeout after sending',
    test: (x) => x.kind === 'failure' && errorName(x.error) === 'TimeoutError',
    class: 'unknown-outcome',
  },
  {
    when: 'connection never opened',
    test: (x) => x.kind === 'failure' && NEVER_SENT_CODES.has(errorCode(x.error) ?? ''),
    class: 'transient',
  },
  {
    when: 'connection lost after sending, or reply cut short',
    test: (x) => x.kind === 'failure',
    class: 'unknown-outcome',
  },
  {
    when: 'HTTP 408, 429 or 5xx',
    test: (x) => {
      const s = reply(x)?.status ?? 0;
      return s === 408 || s === 429 || s >= 500;
    },
    class: 'transient',
  },
  {
    when: 'other HTTP 4xx',
    test: (x) => (reply(x)?.status ?? 0) >= 400,
    class: 'permanent',
  },
  {
    when: 'unreadable body',
    test: (x) => reply(x)?.body === undefined,
    class: 'transient',
  },
  {
    when: 'RESTAPI000',
    test: (x) => reply(x)?.body?.msg_code === 'RESTAPI000',
    class: 'success',
  },
  {
    when: 'RESTAPI001 token refused',
    test: (x) => {
      const body = reply(x)?.body;
      return body?.msg_code === 'RESTAPI001' && TOKEN_MESSAGES.has(body.msg ?? '');
    },
    class: 'token',
  },
  {
    when: 'any other msg_code (validation, access, configuration)',
    test: () => true,
    class: 'permanent',
  },
];

export function classify(exchange: Exchange): Outcome {
  const row = OUTCOME_TABLE.find((r) => r.test(exchange)) as Row;
  if (exchange.kind === 'failure') {
    const cause =
      errorName(exchange.error) === 'TimeoutError'
        ? 'timeout'
        : (errorCode(exchange.error) ?? 'network');
    return { class: row.class, cause };
  }
  const { status, body, retryAfterMs } = exchange;
  return {
    class: row.class,
    cause: body && status < 400 ? body.msg_code : `http_${status}`,
    httpStatus: status,
    msgCode: body?.msg_code,
    msg: body?.msg,
    errors: body?.errors,
    data: body?.data,
    retryAfterMs,
  };
}

function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

/** The first `code` along the `cause` chain (undici's error, or a wrapper whose cause it is). */
function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Object; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
