import type { Bench } from './context.ts';
import { completionLatencies, pacedOrders, pendingJobs, percentile, settled } from './e2e.ts';
import { postLoad } from './intake.ts';
import { BENCH_API_KEY, benchOrder } from './orders.ts';
import { startOursApi } from './ours.ts';

export interface E2eFigures {
  /** Orders per second the whole pipeline (intake and workers together) completed at most. */
  maxPerSecond: number;
  ratePerSecond: number;
  /** Orders measured (completed, with both timestamps). */
  orders: number;
  /** Orders accepted in all, the maximum's run and warm-up included. */
  accepted: number;
  p50: number;
  p99: number;
}

/**
 * End-to-end latency at half of the pipeline's maximum throughput, sandbox latency 0:
 * - the maximum: orders POSTed to `npm run api` by 64 connections for a few seconds while our
 *   workers run; orders completed per second meanwhile (accepted, less the growth of the
 *   backlog). Intake, workers, Redis, the sandbox and the load share the machine, as they do
 *   in this figure's measured run;
 * - then, once the backlog is worked off, orders POSTed at half that rate, open loop, in
 *   `rounds` runs; per order, enqueue (the job's timestamp, set by intake) to completed
 *   (`finishedOn`); the run with the lowest p99 counts.
 */
export async function e2ePhase(bench: Bench): Promise<E2eFigures> {
  const api = await startOursApi(bench.ours);
  try {
    const before = await pendingJobs(bench.oursQueue);
    const load = await postLoad({
      url: `${api.url}/v1/orders`,
      body: JSON.stringify(benchOrder()),
      bodyFor: () => JSON.stringify(benchOrder()),
      headers: { authorization: `Bearer ${BENCH_API_KEY}` },
      connections: 64,
      seconds: bench.options.e2eSeconds,
    });
    const backlog = (await pendingJobs(bench.oursQueue)) - before;
    // The warm-up second's orders are in the backlog too: count them as accepted.
    const completed = load.okWithWarmUp - backlog;
    const maxPerSecond = Math.max(1, completed / (bench.options.e2eSeconds + 1));
    await settled(bench.oursQueue, 120_000);

    const rate = Math.max(1, Math.round(maxPerSecond / 2));
    // Warm-up: JIT and keep-alive connections, not measured.
    const warmUp = await pacedOrders(api.url, rate, 0.5);
    let accepted = load.okWithWarmUp + warmUp.length;
    // A p99 rests on its few slowest orders: the round least disturbed by anything else on
    // the machine counts, as for every rate.
    let best: { latencies: number[]; p99: number } | undefined;
    for (let round = 0; round < bench.options.rounds; round++) {
      const ids = await pacedOrders(api.url, rate, bench.options.e2eSeconds);
      accepted += ids.length;
      await settled(bench.oursQueue, 60_000);
      const latencies = await completionLatencies(bench.oursQueue, ids);
      const p99 = percentile(latencies, 99);
      if (!best || p99 < best.p99) best = { latencies, p99 };
    }
    const latencies = best?.latencies ?? [];
    return {
      maxPerSecond: Math.round(maxPerSecond),
      ratePerSecond: rate,
      orders: latencies.length,
      accepted,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
    };
  } finally {
    await api.child.stop();
  }
}
