import type { OrderQueueName } from '../actions/action.ts';

export type { OrderQueueName };

/** Queues orders are processed from, one per kind of vCare work. */
export const ORDER_QUEUES: readonly OrderQueueName[] = [
  'enrollment',
  'activation',
  'status-change',
  'purchase',
];

/** Where orders that failed for good wait for an operator. */
export const DEAD_LETTER_QUEUE = 'dead-letter';

/** Status callbacks to upstream, retried on their own so they never hold up an order. */
export const CALLBACK_QUEUE = 'callbacks';

export type QueueName = OrderQueueName | typeof DEAD_LETTER_QUEUE | typeof CALLBACK_QUEUE;

/** Housekeeping jobs made by job schedulers (the sweep of expired dead-letter secrets). */
export const MAINTENANCE_QUEUE = 'maintenance';

/** Backoff type our workers implement (see retry-policy.ts); BullMQ calls back for it. */
export const BACKOFF_TYPE = 'vcare';

/** Dead-letter entries are keyed by their source job, so writing one twice is a no-op. */
export function deadLetterId(queue: string, jobId: string): string {
  return `dl-${queue}-${jobId}`;
}
