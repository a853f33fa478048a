import { createHmac, timingSafeEqual } from 'node:crypto';

/** Header carrying the signature of a status callback. */
export const SIGNATURE_HEADER = 'X-Vcare-Orders-Signature';

/**
 * The header value for `body` sent at `timestamp` (unix seconds): `t=<timestamp>,v1=<hex>`, where
 * hex is HMAC-SHA256 over `${timestamp}.${body}` keyed with CALLBACK_SECRET. Signing the
 * timestamp with the body lets a receiver refuse replays of an old delivery.
 */
export function signCallback(secret: string, body: string, timestamp: number): string {
  return `t=${timestamp},v1=${hmac(secret, timestamp, body)}`;
}

export interface VerifyOptions {
  /** Oldest accepted signature, in seconds. @defaultValue 300 */
  toleranceS?: number;
  /** Unix seconds. @defaultValue the real clock */
  now?: number;
}

/**
 * What a receiver does (see README "Callbacks"): recompute the HMAC over the raw body exactly as
 * received, compare in constant time, and refuse timestamps outside the tolerance.
 */
export function verifyCallbackSignature(
  secret: string,
  header: string | null | undefined,
  body: string,
  options: VerifyOptions = {},
): boolean {
  const parts = new Map(
    (header ?? '').split(',').map((part) => {
      const eq = part.indexOf('=');
      return [part.slice(0, eq).trim(), part.slice(eq + 1).trim()] as const;
    }),
  );
  const timestamp = Number(parts.get('t'));
  const given = parts.get('v1') ?? '';
  if (!Number.isInteger(timestamp) || !/^[0-9a-f]{64}$/.test(given)) return false;
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > (options.toleranceS ?? 300)) return false;
  const expected = Buffer.from(hmac(secret, timestamp, body), 'hex');
  return timingSafeEqual(expected, Buffer.from(given, 'hex'));
}

function hmac(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}
