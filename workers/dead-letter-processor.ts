import { type Job, UnrecoverableError } from 'bullmq';
import type { DeadLetterEntry } from '../src/queue/dead-letter.ts';
import { describeOutcome } from './errors.ts';

/**
 * Parks each new dead-letter entry in the `failed` state with a reason an operator can read in
 * Bull Board; there it waits for an operator.
 */
export async function parkDeadLetter(job: Job): Promise<never> {
  const entry = job.data as Partial<DeadLetterEntry>;
  const error = entry.error ?? { class: 'permanent', cause: 'unknown' };
  throw new UnrecoverableError(`${entry.reason ?? 'dead-lettered'}: ${describeOutcome(error)}`);
}
