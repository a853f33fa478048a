import type { KeepJobs } from 'bullmq';

/**
 * How long finished jobs stay in Redis. Without it BullMQ keeps every job forever and Redis
 * memory grows with every order; with it memory is bounded under constant load.
 */
export interface Retention {
  /** Completed orders are kept this long… @defaultValue 24 hours */
  completedAgeMs: number;
  /** …and at most this many per queue. @defaultValue 10 000 */
  completedCount: number;
  /**
   * Dead-letter entries, and the failed order jobs they describe (GET /v1/orders/:id reads
   * both), are kept this long. No count bound: an entry waits for an operator.
   * @defaultValue 30 days
   */
  deadLetterAgeMs: number;
}

export const DEFAULT_RETENTION: Retention = {
  completedAgeMs: 24 * 3_600_000,
  completedCount: 10_000,
  deadLetterAgeMs: 30 * 86_400_000,
};

/** BullMQ's `age` is in seconds. */
const seconds = (ms: number) => Math.max(1, Math.round(ms / 1000));

/** Worker options of the order queues (a job's own options would take precedence; none set any). */
export function orderRetention(r: Retention): {
  removeOnComplete: KeepJobs;
  removeOnFail: KeepJobs;
} {
  return {
    removeOnComplete: { age: seconds(r.completedAgeMs), count: r.completedCount },
    // An order job fails only once it is dead-lettered: keep it as long as its entry.
    removeOnFail: { age: seconds(r.deadLetterAgeMs) },
  };
}

/**
 * Worker options of the dead-letter queue: an entry waits in `failed`, and a replayed one may
 * end `completed`; both are kept for the dead-letter age, as the audit trail of the order.
 */
export function deadLetterRetention(r: Retention): {
  removeOnComplete: KeepJobs;
  removeOnFail: KeepJobs;
} {
  const keep = { age: seconds(r.deadLetterAgeMs) };
  return { removeOnComplete: keep, removeOnFail: keep };
}
