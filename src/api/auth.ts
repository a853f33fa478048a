import { hash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';

// One-shot: no Hash object per call (intake hashes the presented key on every request).
const sha256 = (text: string): Buffer => hash('sha256', text, 'buffer');

/** Compares secrets in constant time (hashing first, so lengths do not leak either). */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(sha256(a), sha256(b));
}

/**
 * Whether an `Authorization` header carries one of the producer keys (`Bearer <key>`). Every
 * key is compared, in constant time, so the time taken does not tell which one came close.
 */
export function producerKeyCheck(keys: readonly string[]): (header: string | undefined) => boolean {
  // The keys' digests once, not per request (intake's hottest path).
  const digests = keys.map(sha256);
  return (header = '') => {
    const presented = sha256(header.startsWith('Bearer ') ? header.slice(7).trim() : '');
    let ok = false;
    for (const digest of digests) ok = timingSafeEqual(presented, digest) || ok;
    return ok;
  };
}

/** Producer routes: `Authorization: Bearer <one of API_KEYS>`. */
export function requireProducerKey(keys: readonly string[]): RequestHandler {
  const accepted = producerKeyCheck(keys);
  return (req, res, next) => {
    if (!accepted(req.get('authorization'))) {
      res.status(401).json(UNAUTHORIZED);
      return;
    }
    next();
  };
}

/** The answer to a request without valid credentials. */
export const UNAUTHORIZED = { error: 'unauthorized' } as const;

/** Bull Board and ops routes: HTTP basic auth with the admin credentials. */
export function requireAdmin(user: string, password: string): RequestHandler {
  return (req, res, next) => {
    const header = req.get('authorization') ?? '';
    const decoded = header.startsWith('Basic ')
      ? Buffer.from(header.slice(6), 'base64').toString('utf8')
      : '';
    const colon = decoded.indexOf(':');
    const userOk = safeEqual(colon >= 0 ? decoded.slice(0, colon) : '', user);
    const passOk = safeEqual(colon >= 0 ? decoded.slice(colon + 1) : '', password);
    if (!(userOk && passOk)) {
      res.set('WWW-Authenticate', 'Basic realm="vcare-orders", charset="UTF-8"');
      res.status(401).json({ error: 'unauthorized' });
      return;
    }
    next();
  };
}
