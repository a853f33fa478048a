/** A vCare reply body as far as the service relies on it; vendors add more fields. */
export interface VcareReply {
  msg_code: string;
  msg?: string;
  errors?: string[];
  data?: unknown;
  token?: string;
}

/**
 * Parses a vCare body defensively. The vendor's own failure samples are not valid JSON (a
 * missing comma after `errors`, trailing commas), so a strict parse is tried first and a
 * repair of those two slips second. Anything else, or a body without `msg_code`, is
 * `undefined`: the caller must treat it as unreadable, never as success.
 */
export function parseReply(text: string): VcareReply | undefined {
  const value = tryJson(text) ?? tryJson(repair(text));
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const body = value as Record<string, unknown>;
  if (typeof body.msg_code !== 'string') return undefined;
  return {
    msg_code: body.msg_code,
    msg: typeof body.msg === 'string' ? body.msg : undefined,
    errors: Array.isArray(body.errors) ? body.errors.map(String) : undefined,
    data: body.data,
    token: typeof body.token === 'string' && body.token !== '' ? body.token : undefined,
  };
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function repair(text: string): string {
  return text
    .replace(/([\]}"]|\d|true|false|null)(\s*\n\s*")/g, '$1,$2')
    .replace(/,(\s*[}\]])/g, '$1');
}
