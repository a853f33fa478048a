import type { Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';

/** Response headers as `res.setHeaders` takes them. */
export type HeaderSet = Map<string, string | string[]>;

/**
 * helmet's headers for every response, API and Bull Board alike, worked out once: they are the
 * same on every response (no per-request nonce), and helmet's thirteen middlewares per request
 * were a measurable share of intake's CPU. Bull Board's page runs only same-origin scripts. No
 * upgrade-insecure-requests, which would break the board where it is served over plain HTTP
 * inside a private network.
 */
export function securityHeaders(): HeaderSet {
  const middleware = helmet({
    contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
  });
  const headers = new Map<string, string | string[]>();
  const recorder = {
    setHeader(name: string, value: string | string[]) {
      headers.set(name, value);
    },
    removeHeader(name: string) {
      headers.delete(name);
    },
  };
  let called = false;
  middleware({} as Request, recorder as unknown as Response, () => {
    called = true;
  });
  if (!called) throw new Error('helmet did not run synchronously');
  return headers;
}

/** Sets `headers` on every response. */
export function setHeaders(headers: HeaderSet): RequestHandler {
  return (_req, res, next) => {
    res.setHeaders(headers);
    next();
  };
}
