import { startBareApi } from './bare.ts';
import type { Bench } from './context.ts';
import { postLoad } from './intake.ts';
import { BENCH_API_KEY, benchOrder, benchOrders } from './orders.ts';
import { startOursApi } from './ours.ts';
import { deleteKeys } from './redis-memory.ts';

export interface IntakeFigures {
  single: { ours: number; bare: number };
  batch: { ours: number; bare: number };
  failed: number;
}

/**
 * Intake, ours (`npm run api`) against a bare express route, each in its own process, loaded
 * by autocannon from this one: single orders at 64 connections, then batches of 500. Nothing
 * works the jobs off; their keys are deleted at the end.
 */
export async function intakePhase(bench: Bench): Promise<IntakeFigures> {
  const seconds = bench.options.intakeSeconds;
  const intakePrefix = `${bench.ours.queuePrefix}i`;
  const ours = await startOursApi({ ...bench.ours, queuePrefix: intakePrefix });
  const bare = await startBareApi(bench.options.redisUrl, bench.barePrefix);
  try {
    const auth = { authorization: `Bearer ${BENCH_API_KEY}` };
    const one = JSON.stringify(benchOrder());
    const single = { connections: 64, seconds, body: one };
    const bareSingle = await postLoad({ ...single, url: `${bare.url}/orders` });
    const oursSingle = await postLoad({ ...single, url: `${ours.url}/v1/orders`, headers: auth });

    const batchSize = 500;
    const many = JSON.stringify(benchOrders(batchSize));
    const batch = { connections: 4, seconds, body: many };
    const bareBatch = await postLoad({ ...batch, url: `${bare.url}/orders/batch` });
    const oursBatch = await postLoad({
      ...batch,
      url: `${ours.url}/v1/orders/batch`,
      headers: auth,
    });
    return {
      single: { ours: oursSingle.perSecond, bare: bareSingle.perSecond },
      batch: { ours: oursBatch.perSecond * batchSize, bare: bareBatch.perSecond * batchSize },
      failed: bareSingle.failed + oursSingle.failed + bareBatch.failed + oursBatch.failed,
    };
  } finally {
    await Promise.all([ours.child.stop(), bare.child.stop()]);
    await deleteKeys(bench.redis, `{${intakePrefix}}*`);
    await deleteKeys(bench.redis, `${bench.barePrefix}*`);
  }
}
