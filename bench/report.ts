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

const round = (n: number, digits = 2) => Number(n.toFixed(digits));

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
    vcare_calls_per_order: round(calls / Math.max(1, completed), 3),
    vcare_authenticate_calls: c100.authenticate + c300.authenticate,
    e2e_p50_ms: round(m.e2e.p50, 1),
    e2e_p99_ms: round(m.e2e.p99, 1),
    e2e_rate_per_s: m.e2e.ratePerSecond,
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
    cores: m.cores,
    duration_s: round(m.seconds, 0),
    load_avg_start: round(m.load[0]),
    load_avg_end: round(m.load[1]),
  };
}

/** The human table: each figure, its baseline, the target and whether it is met. */
export function table(m: Measured, f: Record<string, number>): string {
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  const rows: [string, string, string, string, string, boolean][] = [
    [
      'intake, single (req/s)',
      n(m.intake.single.ours),
      n(m.intake.single.bare),
      `${f.intake_single_ratio}×`,
      '≥ 0.7×',
      (f.intake_single_ratio ?? 0) >= 0.7,
    ],
    [
      'intake, batch 500 (jobs/s)',
      n(m.intake.batch.ours),
      n(m.intake.batch.bare),
      `${f.intake_batch_ratio}×`,
      '≥ 0.6×',
      (f.intake_batch_ratio ?? 0) >= 0.6,
    ],
    [
      'workers vs floor (jobs/s)',
      n(m.workers.ours.perSecond),
      n(m.workers.floor.perSecond),
      `${f.worker_floor_ratio}×`,
      '≥ 0.8×',
      (f.worker_floor_ratio ?? 0) >= 0.8,
    ],
    [
      'workers vs auth-per-call (jobs/s)',
      n(m.workers.ours.perSecond),
      n(m.workers.practice.perSecond),
      `${f.worker_practice_ratio}×`,
      '≥ 1.5×',
      (f.worker_practice_ratio ?? 0) >= 1.5,
    ],
    ...m.latency.map((run): [string, string, string, string, string, boolean] => {
      const eff = run.perSecond / run.limit;
      return [
        `vCare 200±50 ms, c=${run.concurrency} (jobs/s)`,
        n(run.perSecond),
        `${n(run.limit)} (Little)`,
        round(eff).toString(),
        '≥ 0.9',
        eff >= 0.9,
      ];
    }),
    [
      'vCare HTTP calls per order',
      String(f.vcare_calls_per_order),
      '2.0',
      String(f.vcare_calls_per_order),
      '≤ 1.02',
      (f.vcare_calls_per_order ?? 9) <= 1.02,
    ],
    [
      `e2e latency p50 / p99 at ${n(m.e2e.ratePerSecond)}/s (ms)`,
      `${f.e2e_p50_ms} / ${f.e2e_p99_ms}`,
      '—',
      String(f.e2e_p99_ms),
      'p99 < 100',
      (f.e2e_p99_ms ?? 999) < 100,
    ],
    [
      `Redis MB after ${n(m.memory.orders[0])} / ${n(m.memory.orders[1])} orders`,
      `${f.redis_mb_after_half} / ${f.redis_mb_after_100k}`,
      '—',
      `${n(m.memory.keys)} keys, ${round(m.memory.prefixMb)} MB`,
      'bounded',
      m.memory.mb[1] <= Math.max(m.memory.mb[0] * 1.25, 1),
    ],
  ];
  const head = ['figure', 'ours', 'baseline', 'value', 'target', 'met'];
  const cells = rows.map(([a, b, c, d, e, ok]) => [a, b, c, d, e, ok ? 'yes' : 'NO']);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(' | ');
  return [
    line(head),
    widths.map((w) => '-'.repeat(w)).join('-|-'),
    ...cells.map(line),
    '',
    `${m.cores} cores, load average ${f.load_avg_start} → ${f.load_avg_end}, ${n(m.seconds)} s; failed orders: ${f.orders_failed}, failed intake requests: ${f.intake_failed}`,
  ].join('\n');
}
