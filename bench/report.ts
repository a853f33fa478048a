import type { E2eFigures } from './phase-e2e.ts';
import type { IntakeFigures } from './phase-intake.ts';
import type { LatencyRun } from './phase-latency.ts';
import type { MemoryFigures } from './phase-memory.ts';
import type { WorkerFigures } from './phase-workers.ts';

export interface Measured {
  cores: number;
  seconds: number;
  /** 1-minute load average at the start and the end (other work on the machine skews figures). */
  load: [number, number];
  intake: IntakeFigures;
  workers: Omit<WorkerFigures, 'oursWorkers'>;
  e2e: E2eFigures;
  memory: MemoryFigures;
  latency: [LatencyRun, LatencyRun];
}

export const round = (n: number, digits = 2) => Number(n.toFixed(digits));

/** Every figure of the run, flat: what the last line prints as JSON. */
export function figures(m: Measured): Record<string, number> {
  const [c100, c300] = m.latency;
  const calls = c100.calls + c300.calls;
  const completed = c100.completed + c300.completed;
  return {
    intake_single_ratio: round(m.intake.single.ours / m.intake.single.bare),
    intake_single_rps: round(m.intake.single.ours, 0),
    intake_single_baseline_rps: round(m.intake.single.bare, 0),
    intake_batch_ratio: round(m.intake.batch.ours / m.intake.batch.bare),
    intake_batch_jobs_per_s: round(m.intake.batch.ours, 0),
    intake_batch_baseline_jobs_per_s: round(m.intake.batch.bare, 0),
    worker_floor_ratio: round(m.workers.ours.perSecond / m.workers.floor.perSecond),
    worker_practice_ratio: round(m.workers.ours.perSecond / m.workers.practice.perSecond),
    worker_jobs_per_s: round(m.workers.ours.perSecond, 0),
    worker_floor_jobs_per_s: round(m.workers.floor.perSecond, 0),
    worker_practice_jobs_per_s: round(m.workers.practice.perSecond, 0),
    latency_efficiency_c100: round(c100.perSecond / c100.limit),
    latency_efficiency_c300: round(c300.perSecond / c300.limit),
    latency_c100_jobs_per_s: round(c100.perSecond, 0),
    latency_c300_jobs_per_s: round(c300.perSecond, 0),
    latency_c100_vcare_ms: round(c100.meanLatencyMs, 0),
    latency_c300_vcare_ms: round(c300.meanLatencyMs, 0),
    latency_c100_peak_in_flight: c100.peakInFlight,
    latency_c300_peak_in_flight: c300.peakInFlight,
    vcare_calls_per_order: round(calls / Math.max(1, completed), 3),
    vcare_authenticate_calls: c100.authenticate + c300.authenticate,
    e2e_p50_ms: round(m.e2e.p50, 1),
    e2e_p99_ms: round(m.e2e.p99, 1),
    e2e_rate_per_s: m.e2e.ratePerSecond,
    e2e_max_per_s: m.e2e.maxPerSecond,
    e2e_orders: m.e2e.orders,
    redis_mb_after_100k: round(m.memory.mb[1]),
    redis_prefix_mb_after_100k: round(m.memory.prefixMb),
    redis_mb_after_half: round(m.memory.mb[0]),
    redis_orders_completed: m.memory.orders[1],
    redis_prefix_keys: m.memory.keys,
    orders_failed:
      m.workers.ours.failed +
      m.workers.floor.failed +
      m.workers.practice.failed +
      c100.failed +
      c300.failed,
    intake_failed: m.intake.failed,
    intake_api_processes: m.intake.processes,
    ...cpuFigures(m),
    cores: m.cores,
    duration_s: round(m.seconds, 0),
    load_avg_start: round(m.load[0]),
    load_avg_end: round(m.load[1]),
  };
}

/** CPU per order of the process under test, ms (Linux; absent elsewhere). */
function cpuFigures(m: Measured): Record<string, number> {
  const cpu: Record<string, number | undefined> = {
    intake_single_cpu_ms: m.intake.cpuMs.single.ours,
    intake_single_baseline_cpu_ms: m.intake.cpuMs.single.bare,
    intake_batch_cpu_ms: m.intake.cpuMs.batch.ours,
    intake_batch_baseline_cpu_ms: m.intake.cpuMs.batch.bare,
    worker_cpu_ms: m.workers.ours.cpuMsPerJob,
    worker_floor_cpu_ms: m.workers.floor.cpuMsPerJob,
    worker_practice_cpu_ms: m.workers.practice.cpuMsPerJob,
  };
  return Object.fromEntries(
    Object.entries(cpu).flatMap(([k, v]) => (v === undefined ? [] : [[k, round(v, 3)]])),
  );
}
