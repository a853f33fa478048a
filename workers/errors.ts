import type { Outcome } from '../src/vcare/outcome.ts';

/** A transient vCare fault: BullMQ retries the job with the vCare backoff (Retry-After honoured). */
export class TransientVcareError extends Error {
  override name = 'TransientVcareError';
  readonly retryAfterMs: number | undefined;
  constructor(outcome: Outcome) {
    super(describeOutcome(outcome));
    this.retryAfterMs = outcome.retryAfterMs;
  }
}

/** One line an operator can act on; never contains request data. */
export function describeOutcome(outcome: {
  class: string;
  cause: string;
  msg?: string;
  errors?: string[];
}): string {
  const detail = [outcome.msg, ...(outcome.errors ?? [])].filter(Boolean).join('; ');
  return `vCare ${outcome.class} (${outcome.cause})${detail ? `: ${detail}` : ''}`;
}
