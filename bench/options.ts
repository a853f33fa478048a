import { availableParallelism } from 'node:os';

/** Sizes of the bench's phases. `--quick` (the smoke test) runs a few hundred orders each. */
export interface BenchOptions {
  quick: boolean;
  redisUrl: string;
  /** Seconds of each measured autocannon run (after a one-second warm-up). */
  intakeSeconds: number;
  /** Orders each worker run works off (ours and each baseline). */
  workerJobs: number;
  /** Concurrency of the fast-vCare worker runs, ours and baselines alike. */
  workerConcurrency: number;
  /** Seconds of paced orders for the end-to-end latency. */
  e2eSeconds: number;
  /** Orders for the 200 ms vCare runs, at concurrency 100 and 300. */
  latencyJobs: { c100: number; c300: number };
  /** Completed orders after which Redis memory is read (and at half of it). */
  memoryOrders: number;
  /** Our worker processes for the 200 ms runs and the memory run (one per core by default). */
  workerProcesses: number;
  /** API processes per side in the intake runs, ours and bare alike (one per core by default). */
  apiProcesses: number;
  /** Runs of each fast-vCare, e2e latency and real-world-vCare measurement; best counts. */
  rounds: number;
  /**
   * Runs of each intake measurement; best counts. More than `rounds`, and shorter: a run of a
   * few seconds is the one most often disturbed by anything else on a 2-core machine.
   */
  intakeRounds: number;
}

function positive(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!(value > 0)) throw new Error(`${name} must be a positive number`);
  return value;
}

/**
 * From the command line (`--quick`) and the environment: BENCH_INTAKE_SECONDS,
 * BENCH_WORKER_JOBS, BENCH_CONCURRENCY, BENCH_E2E_SECONDS, BENCH_MEMORY_ORDERS,
 * BENCH_WORKER_PROCESSES, BENCH_API_PROCESSES, BENCH_ROUNDS, BENCH_INTAKE_ROUNDS, REDIS_URL.
 */
export function benchOptions(argv: readonly string[]): BenchOptions {
  const quick = argv.includes('--quick');
  return {
    quick,
    redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    intakeSeconds: positive('BENCH_INTAKE_SECONDS', 2),
    workerJobs: positive('BENCH_WORKER_JOBS', quick ? 300 : 5_000),
    workerConcurrency: positive('BENCH_CONCURRENCY', 50),
    e2eSeconds: positive('BENCH_E2E_SECONDS', quick ? 1 : 4),
    latencyJobs: quick ? { c100: 300, c300: 450 } : { c100: 3_000, c300: 9_000 },
    memoryOrders: positive('BENCH_MEMORY_ORDERS', quick ? 1_000 : 100_000),
    workerProcesses: positive('BENCH_WORKER_PROCESSES', availableParallelism()),
    apiProcesses: positive('BENCH_API_PROCESSES', availableParallelism()),
    rounds: positive('BENCH_ROUNDS', quick ? 1 : 3),
    intakeRounds: positive('BENCH_INTAKE_ROUNDS', quick ? 1 : 5),
  };
}
