import type { Faults, Ledger } from '../src/sandbox/sandbox.ts';

async function control(url: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${url}/__sandbox/${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`sandbox ${path}: HTTP ${response.status}`);
  return response.json();
}

/** Sets the sandbox's faults (the whole document: fields left out are 0). */
export async function setFaults(url: string, faults: Partial<Faults>): Promise<void> {
  await control(url, 'faults', faults);
}

/** Forgets calls, effects and customers (tokens stay valid). */
export async function resetLedger(url: string): Promise<void> {
  await control(url, 'reset', {});
}

/** HTTP calls the sandbox received since its last reset, by kind. */
export async function countCalls(
  url: string,
): Promise<{ total: number; authenticate: number; success: number }> {
  const ledger = (await control(url, 'ledger')) as Ledger;
  return {
    total: ledger.calls.length,
    authenticate: ledger.calls.filter((c) => c.path === '/authenticate').length,
    success: ledger.calls.filter((c) => c.path !== '/authenticate' && c.msg_code === 'RESTAPI000')
      .length,
  };
}
