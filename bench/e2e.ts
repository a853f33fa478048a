import { setTimeout as delay } from 'node:timers/promises';
import type { Queue } from 'bullmq';
import { Pool } from 'undici';
import { BENCH_API_KEY, benchOrder } from './orders.ts';

const headers = { authorization: `Bearer ${BENCH_API_KEY}`, 'content-type': 'application/json' };

/**
 * Sends orders to `POST /v1/orders` at `perSecond` for `seconds`, open loop (a slow answer
 * does not slow the sending), and resolves the accepted job ids. Through undici's request API:
 * the load generator shares the machine with what it measures, and fetch would cost it four
 * times the CPU per request.
 */
export async function pacedOrders(
  apiUrl: string,
  perSecond: number,
  seconds: number,
): Promise<string[]> {
  const pool = new Pool(apiUrl);
  try {
    const sends: Promise<string | undefined>[] = [];
    const total = Math.max(1, Math.round(perSecond * seconds));
    const started = performance.now();
    while (sends.length < total) {
      const due = Math.min(
        total,
        Math.floor(((performance.now() - started) / 1000) * perSecond) + 1,
      );
      while (sends.length < due) sends.push(send(pool));
      await delay(5);
    }
    const ids = await Promise.all(sends);
    return ids.filter((id): id is string => id !== undefined);
  } finally {
    await pool.close();
  }
}

async function send(pool: Pool): Promise<string | undefined> {
  const response = await pool.request({
    path: '/v1/orders',
    method: 'POST',
    headers,
    body: JSON.stringify(benchOrder()),
  });
  const body = (await response.body.json()) as { id?: string };
  return response.statusCode === 202 ? body.id : undefined;
}

/** Enqueue → completed of each job (`finishedOn - timestamp`), in ms; unknown ids left out. */
export async function completionLatencies(queue: Queue, ids: readonly string[]): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < ids.length; i += 500) {
    const jobs = await Promise.all(ids.slice(i, i + 500).map((id) => queue.getJob(id)));
    for (const job of jobs) {
      if (job?.finishedOn && job.returnvalue !== undefined) {
        latencies.push(job.finishedOn - job.timestamp);
      }
    }
  }
  return latencies;
}

/** The p-th percentile (0–100) of `values`, nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

/** Jobs of `queue` not yet finished: waiting, active, delayed or prioritized. */
export async function pendingJobs(queue: Queue): Promise<number> {
  const counts = await queue.getJobCounts('wait', 'active', 'delayed', 'prioritized');
  return Object.values(counts).reduce((sum, n) => sum + n, 0);
}

/** Waits until `queue` has nothing waiting, active or delayed. */
export async function settled(queue: Queue, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await pendingJobs(queue)) > 0) {
    if (Date.now() > deadline) throw new Error(`${queue.name} still busy after ${timeoutMs} ms`);
    await delay(25);
  }
}
