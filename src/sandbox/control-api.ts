import type { Ledger } from './call-ledger.ts';
import { type Faults, parseFaults } from './faults.ts';
import { controlReply, type Reply } from './reply.ts';

/** Path prefix of the control API; vCare has no path like it. */
export const controlPrefix = '/__sandbox/';

/** What the control API drives. */
export interface ControlDeps {
  ledger(): Ledger;
  faults(): Readonly<Faults>;
  setFaults(faults: Faults): void;
  reset(): void;
  /** Moves the sandbox clock forward; returns the new time (ms since epoch). */
  advanceClock(ms: number): number;
}

function parse(raw: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: raw === '' ? {} : JSON.parse(raw) };
  } catch {
    return { ok: false };
  }
}

function invalid(field: string, message: string): Reply {
  return controlReply(400, { error: 'invalid_request', field, message });
}

/**
 * The sandbox's own routes:
 * - `GET health` → `{ok: true}`
 * - `GET ledger` → {@link Ledger}
 * - `GET faults` → the faults in force; `POST faults` with a whole faults document
 * - `POST reset` → forgets calls, effects, customers, fault counters and random faults
 * - `POST clock` `{advance_ms}` → moves the clock forward (tokens expire sooner)
 */
export function handleControlCall(
  deps: ControlDeps,
  method: string,
  path: string,
  raw: string,
): Reply {
  const route = `${method} ${path.slice(controlPrefix.length)}`;
  switch (route) {
    case 'GET health':
      return controlReply(200, { ok: true });
    case 'GET ledger':
      return controlReply(200, deps.ledger());
    case 'GET faults':
      return controlReply(200, deps.faults());
    case 'POST reset':
      deps.reset();
      return controlReply(200, { ok: true });
    case 'POST faults': {
      const body = parse(raw);
      if (!body.ok) return invalid('(body)', 'invalid JSON');
      const faults = parseFaults(body.value);
      if (!faults.ok) return invalid(faults.field, faults.message);
      deps.setFaults(faults.faults);
      return controlReply(200, faults.faults);
    }
    case 'POST clock': {
      const body = parse(raw);
      if (!body.ok) return invalid('(body)', 'invalid JSON');
      const advance = (body.value as { advance_ms?: unknown } | null)?.advance_ms;
      if (typeof advance !== 'number' || !(advance >= 0 && Number.isFinite(advance))) {
        return invalid('advance_ms', 'expected a non-negative number of milliseconds');
      }
      return controlReply(200, { now: new Date(deps.advanceClock(advance)).toISOString() });
    }
    default:
      return controlReply(404, { error: 'not_found', route });
  }
}
