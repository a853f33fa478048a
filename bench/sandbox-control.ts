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

/** HTTP calls the sandbox received since its last reset, by kind, and how they overlapped. */
export async function countCalls(url: string): Promise<{
  total: number;
  authenticate: number;
  success: number;
  /** Mean time from a call's arrival to its answer. */
  meanLatencyMs: number;
  /** Most calls in flight at once. */
  peakInFlight: number;
}> {
  const ledger = (await control(url, 'ledger')) as Ledger;
  const edges: [number, number][] = [];
  let latency = 0;
  let answered = 0;
  for (const call of ledger.calls) {
    if (!call.done_at) continue;
    const at = Date.parse(call.at);
    const done = Date.parse(call.done_at);
    latency += done - at;
    answered++;
    edges.push([at, 1], [done, -1]);
  }
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let inFlight = 0;
  let peak = 0;
  for (const [, step] of edges) {
    inFlight += step;
    peak = Math.max(peak, inFlight);
  }
  return {
    total: ledger.calls.length,
    authenticate: ledger.calls.filter((c) => c.path === '/authenticate').length,
    success: ledger.calls.filter((c) => c.path !== '/authenticate' && c.msg_code === 'RESTAPI000')
      .length,
    meanLatencyMs: answered > 0 ? latency / answered : 0,
    peakInFlight: peak,
  };
}
