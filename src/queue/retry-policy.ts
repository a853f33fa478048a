import { z } from 'zod';
import type { IdempotencyClass } from '../actions/action.ts';
import type { OutcomeClass } from '../vcare/outcome.ts';
import type { DeadLetterReason } from './dead-letter.ts';
import { ORDER_QUEUES, type OrderQueueName } from './names.ts';

/**
 * How transient faults are retried; BullMQ attempts and backoff carry it out. The numbers
 * are the defaults of every order queue; `queues` overrides them per queue (`RETRY_POLICY`).
 */
export interface RetryPolicy {
  /** Total tries including the first. @defaultValue 8 */
  attempts: number;
  /** First delay; doubles per attempt. @defaultValue 30 000 ms (8 attempts ≈ 32 to 64 minutes) */
  baseDelayMs: number;
  /** Upper bound of one delay, Retry-After included. @defaultValue 1 hour */
  maxDelayMs: number;
  /** Per-queue overrides; a field left out keeps the default above. @defaultValue none */
  queues?: RetryOverrides;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  attempts: 8,
  baseDelayMs: 30_000,
  maxDelayMs: 3_600_000,
};

const int = (min: number, max: number) => z.number().int().min(min).max(max);

/**
 * Shape of `RETRY_POLICY`: queue name → the fields to override, e.g.
 * `{"purchase":{"attempts":5},"status-change":{"backoff_delay_ms":5000}}`.
 */
export const retryOverridesSchema = z.partialRecord(
  z.enum(ORDER_QUEUES),
  z.strictObject({
    attempts: int(1, 100).optional(),
    backoff_delay_ms: int(0, 3_600_000).optional(),
    max_delay_ms: int(0, 86_400_000).optional(),
  }),
);

export type RetryOverrides = z.infer<typeof retryOverridesSchema>;

/** The policy of one queue: the defaults with that queue's overrides applied. */
export function policyFor(policy: RetryPolicy, queue: string): RetryPolicy {
  const own = policy.queues?.[queue as OrderQueueName];
  return {
    attempts: own?.attempts ?? policy.attempts,
    baseDelayMs: own?.backoff_delay_ms ?? policy.baseDelayMs,
    maxDelayMs: own?.max_delay_ms ?? policy.maxDelayMs,
  };
}

/**
 * What the processor does with one outcome: complete the order, retry it with backoff, or
 * dead-letter it with a reason. Token faults never get here as such: the client retries them
 * at once with fresh tokens and reports the ones it gave up on as transient.
 */
export type Verdict = 'complete' | 'retry' | DeadLetterReason;

/** The retry policy per outcome class, in one table. */
const BY_CLASS: Readonly<Record<OutcomeClass, (idempotency: IdempotencyClass) => Verdict>> = {
  success: () => 'complete',
  token: () => 'retry',
  transient: () => 'retry',
  permanent: () => 'permanent_error',
  // vCare may have acted: a second call could create a second customer or charge twice.
  'unknown-outcome': (idempotency) =>
    idempotency === 'side-effecting' ? 'outcome_unknown' : 'retry',
};

/** The verdict for an outcome; a retry on the last attempt becomes `attempts_exhausted`. */
export function verdictFor(
  outcome: OutcomeClass,
  idempotency: IdempotencyClass,
  lastAttempt: boolean,
): Verdict {
  const verdict = BY_CLASS[outcome](idempotency);
  return verdict === 'retry' && lastAttempt ? 'attempts_exhausted' : verdict;
}

/**
 * Delay before the next try after `attemptsMade` failures: vCare's Retry-After when it gave
 * one (capped at `maxDelayMs`), otherwise exponential with equal jitter (half fixed, half
 * random, so within [ceiling/2, ceiling]) so that orders failed by one outage do not return
 * in one burst.
 */
export function backoffDelay(
  attemptsMade: number,
  policy: RetryPolicy,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, policy.maxDelayMs);
  const ceiling = Math.min(
    policy.baseDelayMs * 2 ** Math.max(0, attemptsMade - 1),
    policy.maxDelayMs,
  );
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
