import type { Job } from 'bullmq';
import type { DeadLetterReason, FinalError } from '../src/queue/dead-letter.ts';
import { type JobFieldWrite, jobFieldWrite } from './call-permit.ts';

/**
 * The job's progress while a side-effecting call may be in flight: the attempt (BullMQ's
 * `attemptsMade` when it ran) that is sending. A stalled job reruns with the same
 * `attemptsMade` (BullMQ does not count a stall as an attempt), so a rerun that finds its own
 * attempt number here knows an earlier run of this attempt may have reached vCare.
 */
export interface SendingProgress {
  sending_attempt: number | null;
}

function sendingAttempt(job: Job): number | null {
  const progress = job.progress as Partial<SendingProgress> | number | undefined;
  return typeof progress === 'object' && typeof progress.sending_attempt === 'number'
    ? progress.sending_attempt
    : null;
}

/**
 * The mark a side-effecting job carries while its call may be in flight: its new progress,
 * written by the enrollment lock's round trip (call-permit.ts) before the request may leave.
 */
export function sendingMark(job: Job): JobFieldWrite {
  const progress: SendingProgress = { sending_attempt: job.attemptsMade };
  return jobFieldWrite(job, 'progress', JSON.stringify(progress));
}

/** vCare answered that it did not act (transient): a crash from here on is no unknown outcome. */
export async function clearSending(job: Job): Promise<void> {
  await job.updateProgress({ sending_attempt: null } satisfies SendingProgress);
}

/**
 * Whether this run continues one that was interrupted (a worker killed, or its lock lost), and
 * if so why it must not call vCare: an earlier run of this very attempt marked itself sending
 * (unknown outcome), or the order stalled more than `maxStalls` times (a job that keeps
 * killing its worker). Undefined: go ahead. A job that stalled before any mark proceeds:
 * its request provably never left.
 */
export function interruptedRun(
  job: Job,
  maxStalls: number,
): { reason: DeadLetterReason; error: FinalError } | undefined {
  if (sendingAttempt(job) === job.attemptsMade) {
    return {
      reason: 'outcome_unknown',
      error: {
        class: 'unknown-outcome',
        cause: 'stalled_while_sending',
        msg: 'the worker running this order stopped while its vCare call may have been in flight; check vCare before replaying',
      },
    };
  }
  if (job.stalledCounter > maxStalls) {
    return {
      reason: 'attempts_exhausted',
      error: {
        class: 'stalled',
        cause: 'stalled_too_often',
        msg: `the worker running this order stopped ${job.stalledCounter} times (crash or lost lock)`,
      },
    };
  }
  return undefined;
}
