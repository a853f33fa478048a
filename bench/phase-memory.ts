import type { Bench } from './context.ts';
import { settled } from './e2e.ts';
import { countKeys, keysBytes, usedMemory } from './redis-memory.ts';

export interface MemoryFigures {
  /** Completed orders at each reading. */
  orders: [number, number];
  /** used_memory above the run's starting point, MB, at each reading. */
  mb: [number, number];
  /** Keys of our prefix at the last reading. */
  keys: number;
  /** MEMORY USAGE of those keys, MB: the prefix alone, unmoved by other clients. */
  prefixMb: number;
}

const MB = 1024 * 1024;

/**
 * Redis memory with the default retention: tops our queue up to half of `memoryOrders`
 * completed orders, reads INFO used_memory, then to all of them and reads again. Our workers
 * keep running (sandbox latency 0). `baseline` is used_memory before the run added anything;
 * other clients of the same Redis move it too, hence the key count beside it.
 */
export async function memoryPhase(
  bench: Bench,
  completedSoFar: number,
  baseline: number,
): Promise<MemoryFigures> {
  const target = bench.options.memoryOrders;
  const checkpoints = [Math.round(target / 2), target] as const;
  let done = completedSoFar;
  const readings: number[] = [];
  const pattern = `{${bench.ours.queuePrefix}}*`;
  for (const checkpoint of checkpoints) {
    const add = Math.max(0, checkpoint - done);
    await bench.enqueueOurs(add);
    await settled(bench.oursQueue, 30_000 + add * 10);
    done += add;
    readings.push((await usedMemory(bench.redis)) - baseline);
  }
  return {
    orders: [Math.max(checkpoints[0], completedSoFar), done],
    mb: [(readings[0] ?? 0) / MB, (readings[1] ?? 0) / MB],
    keys: await countKeys(bench.redis, pattern),
    prefixMb: (await keysBytes(bench.redis, pattern)) / MB,
  };
}
