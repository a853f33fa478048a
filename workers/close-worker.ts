import type { Worker } from 'bullmq';
import { TimedOut, within } from '../src/within.ts';

/**
 * How a worker's close ended: `closed` once its jobs in flight had finished; `jobs-running`
 * when some still ran at the deadline (left to stalled-job recovery); `redis-down` when Redis
 * was not back by the deadline, so the worker was closed without waiting for its jobs.
 */
export type WorkerClose = 'closed' | 'jobs-running' | 'redis-down';

/**
 * Closes a BullMQ worker, letting its jobs in flight finish for up to `graceMs`.
 *
 * BullMQ's graceful close first interrupts the blocking connection and waits for its 'end'
 * event, which ioredis never emits while that connection is waiting to reconnect: Redis is
 * down, or came back a moment ago (taskforcesh/bullmq#4656). The close would then wait forever.
 * So it starts only once the blocking connection is ready. Should Redis not be back by the
 * deadline, no job in flight could finish anyway (a job's end is a Redis write): the worker is
 * closed by force, which drops that connection without waiting for the event. Past the
 * deadline a graceful close is only left behind, not forced: BullMQ's close is memoised.
 */
export async function closeWorker(worker: Worker, graceMs: number): Promise<WorkerClose> {
  const deadline = Date.now() + graceMs;
  try {
    await within(graceMs, blockingConnectionReady(worker));
  } catch (error) {
    if (!(error instanceof TimedOut)) throw error;
    await worker.close(true);
    return 'redis-down';
  }
  try {
    await within(Math.max(0, deadline - Date.now()), worker.close());
    return 'closed';
  } catch (error) {
    if (!(error instanceof TimedOut)) throw error;
    return 'jobs-running';
  }
}

async function blockingConnectionReady(worker: Worker): Promise<void> {
  const client = await worker.backend.blockingClient;
  if (!client || client.status === 'ready') return;
  await new Promise<void>((resolve) => client.once('ready', () => resolve()));
}
