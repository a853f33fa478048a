import { startBareApi } from './bare.ts';
import type { Bench } from './context.ts';
import { type Load, postLoad } from './intake.ts';
import { BENCH_API_KEY, benchOrder, benchOrders } from './orders.ts';
import { startOursApi } from './ours.ts';
import { deleteKeys } from './redis-memory.ts';

export interface IntakeFigures {
  /** Best rate per side: requests/s (single), orders/s (batch). */
  single: { ours: number; bare: number };
  batch: { ours: number; bare: number };
  /** Least CPU the API process spent per order (ms), when known. */
  cpuMs: { single: { ours?: number; bare?: number }; batch: { ours?: number; bare?: number } };
  failed: number;
}

/**
 * Intake, ours (`npm run api`) against a bare express route, each in its own process, loaded
 * by autocannon from this one: single orders at 64 connections, then batches of 500, each side
 * in turn, `rounds` times; the best run of each counts (the one least disturbed by anything
 * else on the machine). Nothing works the jobs off; their keys are deleted at the end.
 */
export async function intakePhase(bench: Bench): Promise<IntakeFigures> {
  const { intakeSeconds: seconds, rounds } = bench.options;
  const intakePrefix = `${bench.ours.queuePrefix}i`;
  const ours = await startOursApi({ ...bench.ours, queuePrefix: intakePrefix });
  const bare = await startBareApi(bench.options.redisUrl, bench.barePrefix);
  const batchSize = 500;
  const auth = { authorization: `Bearer ${BENCH_API_KEY}` };
  const single = { connections: 64, seconds, body: JSON.stringify(benchOrder()) };
  const batch = { connections: 4, seconds, body: JSON.stringify(benchOrders(batchSize)) };
  const best: IntakeFigures = {
    single: { ours: 0, bare: 0 },
    batch: { ours: 0, bare: 0 },
    cpuMs: { single: {}, batch: {} },
    failed: 0,
  };
  const run = async (figure: 'single' | 'batch', side: 'ours' | 'bare', load: Load) => {
    const per = figure === 'batch' ? batchSize : 1;
    const child = side === 'ours' ? ours.child : bare.child;
    const before = child.cpuMs();
    const result = await postLoad(load);
    const after = child.cpuMs();
    best[figure][side] = Math.max(best[figure][side], result.perSecond * per);
    best.failed += result.failed;
    if (before !== undefined && after !== undefined && result.okWithWarmUp > 0) {
      const cpu = (after - before) / (result.okWithWarmUp * per);
      best.cpuMs[figure][side] = Math.min(best.cpuMs[figure][side] ?? cpu, cpu);
    }
  };
  try {
    for (let round = 0; round < rounds; round++) {
      await run('single', 'bare', { ...single, url: `${bare.url}/orders` });
      await run('single', 'ours', { ...single, url: `${ours.url}/v1/orders`, headers: auth });
      await run('batch', 'bare', { ...batch, url: `${bare.url}/orders/batch` });
      await run('batch', 'ours', { ...batch, url: `${ours.url}/v1/orders/batch`, headers: auth });
    }
    return best;
  } finally {
    await Promise.all([ours.child.stop(), bare.child.stop()]);
    await deleteKeys(bench.redis, `{${intakePrefix}}*`);
    await deleteKeys(bench.redis, `${bench.barePrefix}*`);
  }
}
