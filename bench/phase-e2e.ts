import type { Bench } from './context.ts';
import { completionLatencies, pacedOrders, percentile, settled } from './e2e.ts';
import { startOursApi } from './ours.ts';

export interface E2eFigures {
  ratePerSecond: number;
  /** Orders measured (completed, with both timestamps). */
  orders: number;
  /** Orders accepted in all, warm-up included. */
  accepted: number;
  p50: number;
  p99: number;
}

/**
 * End-to-end latency at half of our measured maximum: orders POSTed to `npm run api` at a
 * steady rate while our workers run; per order, enqueue (the job's timestamp, set by intake)
 * to completed (`finishedOn`, set by the worker). Sandbox latency 0.
 */
export async function e2ePhase(bench: Bench, maxPerSecond: number): Promise<E2eFigures> {
  const api = await startOursApi(bench.ours);
  try {
    const rate = Math.max(1, Math.round(maxPerSecond / 2));
    // Warm-up: JIT and keep-alive connections, not measured.
    const warmUp = await pacedOrders(api.url, rate, 0.5);
    const ids = await pacedOrders(api.url, rate, bench.options.e2eSeconds);
    await settled(bench.oursQueue, 60_000);
    const latencies = await completionLatencies(bench.oursQueue, ids);
    return {
      ratePerSecond: rate,
      orders: latencies.length,
      accepted: warmUp.length + ids.length,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
    };
  } finally {
    await api.child.stop();
  }
}
