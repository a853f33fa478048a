import type { Job } from 'bullmq';
import { findAction } from '../src/actions/registry.ts';
import type { Logger } from '../src/log.ts';
import type { OrderJobData } from '../src/queue/job-data.ts';
import { luaScript } from '../src/queue/lua-script.ts';
import type { RedisClient } from '../src/queue/redis.ts';
import { scrubFields, storedSecretFields } from '../src/security/scrub.ts';
import { type JobFieldWrite, jobFieldWrite } from './call-permit.ts';

// As BullMQ's updateData: a job removed meanwhile (retention) is not brought back as a stub.
const UPDATE_DATA = luaScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('HSET', KEYS[1], 'data', ARGV[1]) end
return -1
`);

// Data this module scrubbed: the processor puts it on the job, and the completed listener
// then knows there is nothing left without going through the order again.
const made = new WeakSet<object>();

/**
 * The job data of a finished order with its secret fields replaced by the scrubbed marker and
 * `meta.secrets_scrubbed_at` noted, and the write that stores it; undefined when there is
 * nothing left to scrub (or the job is not kept at all).
 */
export function scrubbedJob(job: Job): { data: OrderJobData; write: JobFieldWrite } | undefined {
  const data = job.data as Partial<OrderJobData> | undefined;
  if (!data?.order || !data.meta || job.opts.removeOnComplete === true) return undefined;
  if (made.has(data)) return undefined;
  // As the processor does: a Bull Board duplicate carries the displayed name, not the action.
  const action = findAction(job.name) ?? findAction(String(data.order.action));
  const fields = storedSecretFields(data.order, action?.secretFields ?? []);
  const { record, scrubbed } = scrubFields(data.order, fields);
  if (scrubbed.length === 0) return undefined;
  const next = {
    order: record,
    meta: { ...data.meta, secrets_scrubbed_at: new Date().toISOString() },
  };
  made.add(next);
  return { data: next, write: jobFieldWrite(job, 'data', JSON.stringify(next)) };
}

/**
 * A `completed` listener for the order workers: scrubs the secrets of a completed order
 * (`scrubbedJob`) that the processor has not scrubbed already.
 *
 * It runs after BullMQ has stored the result, so a crash can never cost the order (scrubbing
 * inside the processor would, if the process died before the job completed: the rerun would
 * find no secrets). The price is a small window in which a crash leaves the completed job with
 * its secrets still encrypted. A side-effecting order is scrubbed by the processor instead,
 * with its enrollment lock's release (order-processor.ts): a rerun of it is dead-lettered
 * unsent whatever its data. One command per order, as BullMQ's `updateData` writes the data;
 * `redis` should auto-pipeline (see `pipelinedTwin`), so that the scrubs of the orders
 * completed in one turn of the event loop share one write.
 */
export function scrubCompletedOrder(logger: Logger, redis: RedisClient): (job: Job) => void {
  return (job) => {
    const scrub = scrubbedJob(job);
    if (!scrub) return;
    UPDATE_DATA(redis, [scrub.write.jobKey], [scrub.write.value]).catch((error: unknown) => {
      logger.warn(
        { err: { message: (error as Error).message }, queue: job.queueName, jobId: job.id },
        'could not scrub the secrets of a completed order (they stay encrypted)',
      );
    });
  };
}
