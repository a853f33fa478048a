import type { Faults, Ledger } from '../../src/sandbox/sandbox.ts';

/** The random faults of the run: 10% 5xx, 5% timeouts, 5% token expiry, 2% drops, 50 ± 30 ms. */
export const RUN_FAULTS: Partial<Faults> = {
  error_rate: 0.1,
  timeout_rate: 0.05,
  token_expire_rate: 0.05,
  drop_rate: 0.02,
  latency_ms: 50,
  jitter_ms: 30,
};

/** vCare down: every call (authenticate too) answered 503 by its gateway. */
export const PAUSE_FAULTS: Partial<Faults> = { error_rate: 1, latency_ms: 50, jitter_ms: 30 };

async function control(url: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${url}/__sandbox/${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`sandbox ${path}: HTTP ${response.status}`);
  return response.json();
}

/** Sets the whole fault document (fields left out are 0; `{}` switches every fault off). */
export async function setFaults(url: string, faults: Partial<Faults>): Promise<void> {
  await control(url, 'faults', faults);
}

export async function readLedger(url: string): Promise<Ledger> {
  return (await control(url, 'ledger')) as Ledger;
}

/** Side effects applied per `action\nenrollment`: what an operator would look up in vCare. */
export function effectCounts(ledger: Ledger): Map<string, number> {
  return new Map(ledger.effects.map((e) => [`${e.action}\n${e.enrollment_id}`, e.count]));
}
