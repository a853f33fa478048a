/** An answer ready to send. */
export interface Reply {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
  /** The vCare `msg_code` of the body; null for answers that are not vCare bodies. */
  readonly msgCode: string | null;
  /** Extra response headers (`Retry-After`). */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface VcareFields {
  data?: Record<string, unknown> | undefined;
  /** Top-level fields beside `data` (handover's `success`). */
  extra?: Record<string, unknown> | undefined;
  errors?: readonly string[] | undefined;
}

const json = 'application/json; charset=utf-8';

/**
 * A vCare application answer: always HTTP 200, a `msg_code`, a `msg`, and the fresh token
 * (absent only on failed /authenticate calls).
 */
export function vcareReply(
  msgCode: string,
  msg: string,
  token: string | undefined,
  fields?: VcareFields,
): Reply {
  const body: Record<string, unknown> = {};
  if (fields?.data !== undefined) body.data = fields.data;
  if (fields?.extra !== undefined) Object.assign(body, fields.extra);
  if (fields?.errors !== undefined) body.errors = fields.errors;
  body.msg = msg;
  body.msg_code = msgCode;
  if (token !== undefined) body.token = token;
  return { status: 200, contentType: json, body: JSON.stringify(body), msgCode };
}

/** What a gateway in front of vCare answers when the backend is down: HTML, no token. */
export const unavailableReply: Reply = {
  status: 503,
  contentType: 'text/html',
  body:
    '<html><head><title>503 Service Temporarily Unavailable</title></head><body>' +
    '<center><h1>503 Service Temporarily Unavailable</h1></center></body></html>\n',
  msgCode: null,
};

/** The gateway's 503, telling when to come back when `retryAfterS` is above 0. */
export function unavailable(retryAfterS: number): Reply {
  return retryAfterS > 0
    ? { ...unavailableReply, headers: { 'retry-after': String(retryAfterS) } }
    : unavailableReply;
}

/** Answer for bodies past the size limit, as a gateway would refuse them. */
export const tooLargeReply: Reply = {
  status: 413,
  contentType: 'text/html',
  body: '<html><head><title>413 Request Entity Too Large</title></head></html>\n',
  msgCode: null,
};

/** A JSON answer of the control API. */
export function controlReply(status: number, value: unknown): Reply {
  return { status, contentType: json, body: JSON.stringify(value), msgCode: null };
}
