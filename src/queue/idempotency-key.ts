import { createHmac } from 'node:crypto';
import type { FieldIssue } from '../actions/validate.ts';

/** Longest idempotency key accepted, as a header or as a batch item's `idempotency_key`. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/** The issue of a key that is not 1 to 255 characters; undefined for a good key. */
export function idempotencyKeyIssue(key: unknown, path: string): FieldIssue | undefined {
  if (typeof key === 'string' && key.length > 0 && key.length <= MAX_IDEMPOTENCY_KEY_LENGTH)
    return undefined;
  return {
    path,
    message: `${path} must be a string of 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`,
  };
}

/**
 * Splits a batch item's optional `idempotency_key` off its body: the per-item form of the
 * `Idempotency-Key` header. It belongs to this service, not to vCare, so it is removed before
 * the body is validated, hashed and queued (a body sent with the header and the same body
 * sent as a keyed batch item are the same order).
 */
export function takeIdempotencyKey(body: unknown): {
  body: unknown;
  key?: string;
  issues: FieldIssue[];
} {
  if (
    typeof body !== 'object' ||
    body === null ||
    Array.isArray(body) ||
    !Object.hasOwn(body, 'idempotency_key')
  )
    return { body, issues: [] };
  const { idempotency_key: key, ...rest } = body as Record<string, unknown>;
  if (key === undefined || key === null) return { body: rest, issues: [] };
  const issue = idempotencyKeyIssue(key, 'idempotency_key');
  return issue ? { body: rest, issues: [issue] } : { body: rest, key: key as string, issues: [] };
}

/**
 * Job id of a keyed order: a keyed hash of scope and key, so the same key always lands on
 * the same BullMQ job id (BullMQ then ignores the second add) and the id does not reveal it.
 */
export function idempotentJobId(hashKey: string, scope: string, key: string): string {
  return `idem-${createHmac('sha256', hashKey).update(`${scope}\n${key}`).digest('hex').slice(0, 40)}`;
}

/** Keyed hash of a submitted body (a plain hash of a body with an SSN could be guessed). */
export function bodyHash(hashKey: string, body: unknown): string {
  return createHmac('sha256', hashKey).update(canonicalJson(body)).digest('base64url');
}

/** JSON with object keys sorted, so key order does not make two equal bodies differ. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : 1,
    );
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
