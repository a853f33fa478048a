import { startBareApi } from './bare.ts';
import type { Child } from './children.ts';
import type { Bench } from './context.ts';
import { type Load, postLoad } from './intake.ts';
import { BENCH_API_KEY, benchOrder, benchOrders } from './orders.ts';
import { startOursApi } from './ours.ts';
import { deleteKeys } from './redis-memory.ts';

export interface IntakeFigures {
  /** API processes per side (one per core, as one deploys Node on a machine). */
  processes: number;
  /** Best rate per side: requests/s (single), orders/s (batch). */
  single: { ours: number; bare: number };
  batch: { ours: number; bare: number };
  /** Least CPU the API processes spent per order (ms), when known. */
  cpuMs: { single: { ours?: number; bare?: number }; batch: { ours?: number; bare?: number } };
  failed: number;
}

interface Api {
  url: string;
  child: Child;
}

/**
 * Intake, ours (`npm run api`) against a bare express route, loaded by autocannon from this
 * process: single orders at 64 connections, then batches of 500 at 4, each side in turn,
 * `intakeRounds` times; the best run of each counts (the one least disturbed by anything else
 * on the machine). Each side runs one API process per core (`apiProcesses`), as Node is deployed (one
 * event loop uses one core), the connections split evenly between them. Nothing works the jobs
 * off; their keys are deleted at the end.
 */
export async function intakePhase(bench: Bench): Promise<IntakeFigures> {
  const { intakeSeconds: seconds, intakeRounds: rounds, apiProcesses: processes } = bench.options;
  const intakePrefix = `${bench.ours.queuePrefix}i`;
  const each = <T>(start: () => Promise<T>) =>
    Promise.all(Array.from({ length: processes }, start));
  const ours = await each(() => startOursApi({ ...bench.ours, queuePrefix: intakePrefix }));
  const bare = await each(() => startBareApi(bench.options.redisUrl, bench.barePrefix));
  const batchSize = 500;
  const auth = { authorization: `Bearer ${BENCH_API_KEY}` };
  const single = { connections: 64, seconds, body: JSON.stringify(benchOrder()) };
  const batch = { connections: 4, seconds, body: JSON.stringify(benchOrders(batchSize)) };
  const best: IntakeFigures = {
    processes,
    single: { ours: 0, bare: 0 },
    batch: { ours: 0, bare: 0 },
    cpuMs: { single: {}, batch: {} },
    failed: 0,
  };
  const cpuOf = (apis: Api[]) => {
    const times = apis.map((api) => api.child.cpuMs());
    return times.every((t) => t !== undefined) ? times.reduce((a, b) => a + b, 0) : undefined;
  };
  const run = async (
    figure: 'single' | 'batch',
    side: 'ours' | 'bare',
    path: string,
    load: Omit<Load, 'url'>,
  ) => {
    const per = figure === 'batch' ? batchSize : 1;
    const apis = side === 'ours' ? ours : bare;
    const connections = Math.max(1, Math.round(load.connections / apis.length));
    const before = cpuOf(apis);
    const results = await Promise.all(
      apis.map((api) => postLoad({ ...load, connections, url: `${api.url}${path}` })),
    );
    const after = cpuOf(apis);
    const perSecond = results.reduce((sum, r) => sum + r.perSecond, 0);
    const ok = results.reduce((sum, r) => sum + r.okWithWarmUp, 0);
    best[figure][side] = Math.max(best[figure][side], perSecond * per);
    best.failed += results.reduce((sum, r) => sum + r.failed, 0);
    if (before !== undefined && after !== undefined && ok > 0) {
      const cpu = (after - before) / (ok * per);
      best.cpuMs[figure][side] = Math.min(best.cpuMs[figure][side] ?? cpu, cpu);
    }
  };
  try {
    for (let round = 0; round < rounds; round++) {
      await run('single', 'bare', '/orders', single);
      await run('single', 'ours', '/v1/orders', { ...single, headers: auth });
      await run('batch', 'bare', '/orders/batch', batch);
      await run('batch', 'ours', '/v1/orders/batch', { ...batch, headers: auth });
    }
    return best;
  } finally {
    await Promise.all([...ours, ...bare].map((api) => api.child.stop()));
    await deleteKeys(bench.redis, `{${intakePrefix}}*`);
    await deleteKeys(bench.redis, `${bench.barePrefix}*`);
  }
}
