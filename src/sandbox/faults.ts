/**
 * Random faults the sandbox injects into otherwise valid calls. Every field defaults to 0
 * (no fault). Rates are probabilities per call, drawn independently.
 */
export interface Faults {
  /** Share of calls answered HTTP 503 by a "gateway", with no vCare body. @defaultValue 0 */
  error_rate: number;
  /** Milliseconds added before every answer. @defaultValue 0 */
  latency_ms: number;
  /** Uniform spread around `latency_ms` (± this much, never below 0). @defaultValue 0 */
  jitter_ms: number;
  /** Share of calls held without an answer, like the `SLOW` prefix. @defaultValue 0 */
  timeout_rate: number;
  /** Share of calls whose effect is applied and whose connection is then dropped, like `LOST`. @defaultValue 0 */
  drop_rate: number;
  /** Share of calls answered "Token expire" (RESTAPI001). @defaultValue 0 */
  token_expire_rate: number;
  /** Seconds sent as `Retry-After` with every HTTP 503 (random or `FLAKY`); 0 sends none. @defaultValue 0 */
  retry_after_s: number;
}

export const noFaults: Readonly<Faults> = Object.freeze({
  error_rate: 0,
  latency_ms: 0,
  jitter_ms: 0,
  timeout_rate: 0,
  drop_rate: 0,
  token_expire_rate: 0,
  retry_after_s: 0,
});

const rateFields = new Set(['error_rate', 'timeout_rate', 'drop_rate', 'token_expire_rate']);
const durationFields = new Set(['latency_ms', 'jitter_ms']);
const maxRetryAfterS = 3_600;

/** Longest latency accepted, so a typo cannot park every call for hours. */
const maxDurationMs = 600_000;

export type FaultsParse =
  | { ok: true; faults: Faults }
  | { ok: false; field: string; message: string };

/**
 * Validates a faults document. Fields left out are 0: a document states the whole fault
 * setting, so the last one sent is the one in force.
 */
export function parseFaults(input: unknown): FaultsParse {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, field: '(body)', message: 'expected a JSON object' };
  }
  const faults: Faults = { ...noFaults };
  for (const [field, value] of Object.entries(input)) {
    if (rateFields.has(field)) {
      if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
        return { ok: false, field, message: 'expected a number from 0 to 1' };
      }
    } else if (field === 'retry_after_s') {
      if (
        typeof value !== 'number' ||
        !(Number.isInteger(value) && value >= 0 && value <= maxRetryAfterS)
      ) {
        return { ok: false, field, message: `expected whole seconds from 0 to ${maxRetryAfterS}` };
      }
    } else if (durationFields.has(field)) {
      if (typeof value !== 'number' || !(value >= 0 && value <= maxDurationMs)) {
        return { ok: false, field, message: `expected milliseconds from 0 to ${maxDurationMs}` };
      }
    } else {
      return { ok: false, field, message: 'unknown field' };
    }
    faults[field as keyof Faults] = value;
  }
  return { ok: true, faults };
}
