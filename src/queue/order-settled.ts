import type { DeadLetterReason, FinalError } from './dead-letter.ts';
import type { OrderMeta } from './job-data.ts';

/**
 * An order reached its final state. The processor tells its `onSettled` hook once per order
 * (metrics, status callbacks) before the job itself is moved to completed or failed.
 */
export interface OrderSettled {
  queue: string;
  jobId: string;
  action: string;
  enrollmentId: string;
  state: 'completed' | 'dead_lettered';
  /** What a completed order keeps (vCare's msg_code, msg and data). */
  result?: unknown;
  /** Why a dead-lettered order failed. */
  reason?: DeadLetterReason;
  error?: FinalError;
  deadLetterId?: string;
  /** The order's meta (callback_url among others); absent when the job data was unreadable. */
  meta?: OrderMeta;
  /** ISO time it settled. */
  at: string;
}
