import type { JobsOptions, Queue } from 'bullmq';

/** A job to add; its id is always set, so that adding it twice stores it once. */
export interface BatchedJob {
  name: string;
  data: unknown;
  opts: JobsOptions & { jobId: string };
}

/**
 * Adds to `queue` the jobs handed over in one turn of the event loop with one `addBulk` (one
 * write to Redis) instead of one `add` each: under concurrent intake, the system call sending
 * each add was the largest single cost of a request. Each promise resolves once its job is
 * stored, one event-loop turn later than a plain `add` would.
 *
 * `addBulk` is a pipeline, not a transaction: when it fails, some jobs of the batch may be
 * stored and others not. Each is then added again on its own, which stores a job at most once
 * (its id is fixed) and gives every caller its own answer.
 */
export function createAddBatcher(queue: Queue): (job: BatchedJob) => Promise<void> {
  let pending: Array<{ job: BatchedJob; resolve: () => void; reject: (error: unknown) => void }> =
    [];

  async function flush(): Promise<void> {
    const batch = pending;
    pending = [];
    try {
      if (batch.length === 1) {
        const [only] = batch as [(typeof batch)[number]];
        await queue.add(only.job.name, only.job.data, only.job.opts);
      } else {
        await queue.addBulk(batch.map((entry) => entry.job));
      }
      for (const entry of batch) entry.resolve();
    } catch (error) {
      if (batch.length === 1) {
        batch[0]?.reject(error);
        return;
      }
      await Promise.all(
        batch.map((entry) =>
          queue.add(entry.job.name, entry.job.data, entry.job.opts).then(
            () => entry.resolve(),
            (failed: unknown) => entry.reject(failed),
          ),
        ),
      );
    }
  }

  return (job) =>
    new Promise<void>((resolve, reject) => {
      if (pending.length === 0) setImmediate(() => void flush());
      pending.push({ job, resolve, reject });
    });
}
