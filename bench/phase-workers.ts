import type { Queue } from 'bullmq';
import { startBareWorker } from './bare.ts';
import type { Child } from './children.ts';
import { type Bench, bareQueue } from './context.ts';
import { type DrainResult, measureDrain } from './drain.ts';
import { benchOrder, vcareBody } from './orders.ts';
import { startOursWorkers } from './ours.ts';
import { deleteKeys } from './redis-memory.ts';

export interface WorkerFigures {
  ours: DrainResult;
  floor: DrainResult;
  practice: DrainResult;
  /** Our workers, still running (the end-to-end phase reuses them). */
  oursWorkers: Child;
}

/** Generous bound on a drain: 100 jobs/s plus start-up. */
export const drainTimeout = (jobs: number) => 30_000 + jobs * 10;

async function addBare(queue: Queue, count: number): Promise<void> {
  for (let done = 0; done < count; done += 1000) {
    const size = Math.min(1000, count - done);
    const jobs = Array.from({ length: size }, () => ({
      name: 'create_customer_prepaid',
      data: vcareBody(benchOrder()),
    }));
    await queue.addBulk(jobs);
  }
}

/**
 * Fast vCare (sandbox latency 0), same job count and concurrency: a bare worker against the
 * token-free sandbox (the floor), a bare worker authenticating before every call (common
 * practice), then our workers (`npm run worker`). The jobs are added first, then the worker
 * process starts; the rate is taken between 10 % and 90 % done.
 */
export async function workerPhase(bench: Bench): Promise<WorkerFigures> {
  const { workerJobs: jobs, workerConcurrency: concurrency, redisUrl } = bench.options;
  const queue = bareQueue(bench);
  const bare = async (mode: 'floor' | 'practice', vcareUrl: string) => {
    await addBare(queue, jobs);
    const child = await startBareWorker({
      redisUrl,
      prefix: bench.barePrefix,
      mode,
      vcareUrl,
      concurrency,
    });
    try {
      return await measureDrain(queue, jobs, drainTimeout(jobs));
    } finally {
      await child.stop();
      await deleteKeys(bench.redis, `${bench.barePrefix}*`);
    }
  };
  try {
    const floor = await bare('floor', bench.sandbox.floor);
    const practice = await bare('practice', bench.sandbox.checked);
    await bench.enqueueOurs(jobs);
    const oursWorkers = await startOursWorkers(bench.ours, concurrency);
    const ours = await measureDrain(bench.oursQueue, jobs, drainTimeout(jobs));
    return { ours, floor, practice, oursWorkers };
  } finally {
    await queue.close();
  }
}
