import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import type { Logger } from '../log.ts';

// Probes and Bull Board's polling would drown everything else at info.
const QUIET = /^\/(healthz|readyz|metrics|admin\/queues\/(api|static)\/)/;

/**
 * One log line per HTTP request once it ends: `requestId` (the caller's `X-Request-Id` when it
 * is a plain token, else a new one, echoed back), method, path without its query, status,
 * duration. Never headers or bodies: those carry keys and secrets.
 */
export function requestLog(logger: Logger): RequestHandler {
  const log = requestLogger(logger);
  return (req, res, next) => {
    const requestId = log(req, res);
    res.locals.requestId = requestId;
    res.setHeader('x-request-id', requestId);
    next();
  };
}

/**
 * `requestLog` for a plain Node request (the intake fast path): starts the request's log line,
 * written once the response closes; answers the request id, which the response must echo in
 * `x-request-id`.
 */
export function requestLogger(
  logger: Logger,
): (req: IncomingMessage, res: ServerResponse) => string {
  // These lines carry only the fixed fields below, none of them a secret key, so redaction
  // would never change them; it walked every redact path per request (a tenth of intake CPU).
  const lines = logger.child({}, { redact: [] });
  return (req, res) => {
    const started = performance.now();
    const header = req.headers['x-request-id'];
    const incoming = Array.isArray(header) ? header[0] : header;
    const requestId = incoming && /^[\w.:-]{1,128}$/.test(incoming) ? incoming : randomUUID();
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    res.on('close', () => {
      const fields = {
        requestId,
        method: req.method,
        path,
        status: res.statusCode,
        duration_ms: Math.round((performance.now() - started) * 10) / 10,
        ...(!res.writableFinished && { aborted: true }),
      };
      if (res.statusCode >= 500) lines.error(fields, 'request failed');
      else if (QUIET.test(path)) lines.debug(fields, 'request');
      else lines.info(fields, 'request');
    });
    return requestId;
  };
}
