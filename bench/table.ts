import { type Measured, round } from './report.ts';

interface Row {
  figure: string;
  ours: string;
  baseline: string;
  value: string;
  target: string;
  met: boolean;
  /** CPU ms per order of the process under test, ours / baseline. */
  cpu?: string;
}

const n = (x: number) => Math.round(x).toLocaleString('en-US');
const ms = (ours?: number, base?: number) =>
  ours === undefined || base === undefined ? undefined : `${round(ours, 3)} / ${round(base, 3)}`;

function ratioRow(figure: string, ours: number, base: number, min: number, cpu?: string): Row {
  const ratio = round(ours / base);
  const value = `${ratio}×`;
  return {
    figure,
    ours: n(ours),
    baseline: n(base),
    value,
    target: `≥ ${min}×`,
    met: ratio >= min,
    cpu,
  };
}

/** The human table: each figure, its baseline, the target and whether it is met. */
export function table(m: Measured, f: Record<string, number>): string {
  const { intake, workers, e2e, memory } = m;
  const rows: Row[] = [
    ratioRow(
      `intake, single, ${intake.processes} proc. (req/s)`,
      intake.single.ours,
      intake.single.bare,
      0.7,
      ms(intake.cpuMs.single.ours, intake.cpuMs.single.bare),
    ),
    ratioRow(
      `intake, batch 500, ${intake.processes} proc. (orders/s)`,
      intake.batch.ours,
      intake.batch.bare,
      0.6,
      ms(intake.cpuMs.batch.ours, intake.cpuMs.batch.bare),
    ),
    ratioRow(
      'workers vs floor (jobs/s)',
      workers.ours.perSecond,
      workers.floor.perSecond,
      0.8,
      ms(workers.ours.cpuMsPerJob, workers.floor.cpuMsPerJob),
    ),
    ratioRow(
      'workers vs auth-per-call (jobs/s)',
      workers.ours.perSecond,
      workers.practice.perSecond,
      1.5,
      ms(workers.ours.cpuMsPerJob, workers.practice.cpuMsPerJob),
    ),
    ...m.latency.map((run): Row => {
      const eff = round(run.perSecond / run.limit);
      return {
        figure: `vCare 200±50 ms, c=${run.concurrency} (jobs/s)`,
        ours: n(run.perSecond),
        baseline: `${n(run.limit)} (Little)`,
        value: String(eff),
        target: '≥ 0.9',
        met: eff >= 0.9,
      };
    }),
    {
      figure: 'vCare HTTP calls per order',
      ours: String(f.vcare_calls_per_order),
      baseline: '2.0',
      value: String(f.vcare_calls_per_order),
      target: '≤ 1.02',
      met: (f.vcare_calls_per_order ?? 9) <= 1.02,
    },
    {
      figure: `e2e latency p50 / p99 at ${n(e2e.ratePerSecond)}/s (ms)`,
      ours: `${f.e2e_p50_ms} / ${f.e2e_p99_ms}`,
      baseline: `max ${n(e2e.maxPerSecond)}/s`,
      value: String(f.e2e_p99_ms),
      target: 'p99 < 100',
      met: (f.e2e_p99_ms ?? 999) < 100,
    },
    {
      figure: `Redis MB after ${n(memory.orders[0])} / ${n(memory.orders[1])} orders`,
      ours: `${f.redis_mb_after_half} / ${f.redis_mb_after_100k}`,
      baseline: '—',
      value: `${n(memory.keys)} keys, ${round(memory.prefixMb)} MB`,
      target: 'bounded',
      // Bounded: the second half of the orders grew memory by under a quarter.
      met: memory.mb[1] <= Math.max(memory.mb[0] * 1.25, 1),
    },
  ];
  const head = ['figure', 'ours', 'baseline', 'value', 'target', 'met', 'CPU ms/order ours / base'];
  const cells = rows.map((r) => [
    r.figure,
    r.ours,
    r.baseline,
    r.value,
    r.target,
    r.met ? 'yes' : 'NO',
    r.cpu ?? '',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(' | ');
  return [
    line(head),
    widths.map((w) => '-'.repeat(w)).join('-|-'),
    ...cells.map(line),
    '',
    `${m.cores} cores, load average ${f.load_avg_start} → ${f.load_avg_end}, ${n(m.seconds)} s; ` +
      `failed orders: ${f.orders_failed}, failed intake requests: ${f.intake_failed}`,
  ].join('\n');
}
