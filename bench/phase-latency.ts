import type { Bench } from './context.ts';
import { measureDrain } from './drain.ts';
import { startOursWorkerGroup } from './ours.ts';
import { drainTimeout } from './phase-workers.ts';
import { countCalls, resetLedger, setFaults } from './sandbox-control.ts';

export interface LatencyRun {
  concurrency: number;
  perSecond: number;
  /** Little's law: concurrency / mean vCare latency. */
  limit: number;
  calls: number;
  authenticate: number;
  completed: number;
  failed: number;
  /** What the sandbox measured: mean answer time and most calls in flight at once. */
  meanLatencyMs: number;
  peakInFlight: number;
}

const vcareLatencyMs = 200;

/**
 * Real-world vCare: the sandbox answers after 200 ms ± 50 (uniform). For each concurrency our
 * workers (`npm run worker`, one process per core sharing the concurrency) work off a batch;
 * the rate between 10 % and 90 % done is compared with Little's law. The sandbox ledger counts
 * every HTTP call of the run, /authenticate included, against the orders completed. The token
 * pool is warm, as in a running deployment (workers hand their tokens on at shutdown).
 */
export async function latencyPhase(
  bench: Bench,
  concurrency: number,
  jobs: number,
): Promise<LatencyRun> {
  // Reset first: it also clears the faults.
  await resetLedger(bench.sandbox.checked);
  await setFaults(bench.sandbox.checked, { latency_ms: vcareLatencyMs, jitter_ms: 50 });
  try {
    const failedBefore = await bench.oursQueue.getFailedCount();
    await bench.enqueueOurs(jobs);
    const workers = await startOursWorkerGroup(
      bench.ours,
      concurrency,
      bench.options.workerProcesses,
    );
    let drained: Awaited<ReturnType<typeof measureDrain>>;
    try {
      drained = await measureDrain(bench.oursQueue, jobs, drainTimeout(jobs), failedBefore);
    } finally {
      await workers.stop();
    }
    const calls = await countCalls(bench.sandbox.checked);
    return {
      concurrency,
      perSecond: drained.perSecond,
      limit: (concurrency * 1000) / vcareLatencyMs,
      calls: calls.total,
      authenticate: calls.authenticate,
      completed: calls.success,
      failed: drained.failed,
      meanLatencyMs: calls.meanLatencyMs,
      peakInFlight: calls.peakInFlight,
    };
  } finally {
    await setFaults(bench.sandbox.checked, {});
  }
}

/**
 * `runs` of one concurrency, combined: the best rate (the run least disturbed by anything else
 * on the machine) with every run's HTTP calls, so that calls per order count them all.
 */
export function bestLatencyRun(runs: readonly LatencyRun[]): LatencyRun {
  const best = runs.reduce((a, b) => (b.perSecond > a.perSecond ? b : a));
  const sum = (pick: (run: LatencyRun) => number) => runs.reduce((n, run) => n + pick(run), 0);
  return {
    ...best,
    calls: sum((run) => run.calls),
    authenticate: sum((run) => run.authenticate),
    completed: sum((run) => run.completed),
    failed: sum((run) => run.failed),
    peakInFlight: Math.max(...runs.map((run) => run.peakInFlight)),
  };
}
