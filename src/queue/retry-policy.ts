/** How transient faults are retried; BullMQ attempts and backoff carry it out. */
export interface RetryPolicy {
  /** Total tries including the first. @defaultValue 8 */
  attempts: number;
  /** First delay; doubles per attempt. @defaultValue 30 000 ms (8 attempts ≈ 64 minutes) */
  baseDelayMs: number;
  /** Upper bound of one delay, Retry-After included. @defaultValue 1 hour */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  attempts: 8,
  baseDelayMs: 30_000,
  maxDelayMs: 3_600_000,
};

/**
 * Delay before the next try after `attemptsMade` failures: vCare's Retry-After when it gave
 * one, otherwise exponential with equal jitter (half fixed, half random) so that orders failed
 * by one outage do not return in one burst.
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
