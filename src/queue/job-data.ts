import { z } from 'zod';
import type { OrderBody } from '../actions/action.ts';

/** What the service keeps beside an order; never sent to vCare. */
export const orderMetaSchema = z.looseObject({
  /** ms since epoch the order was accepted. */
  received_at: z.number(),
  /** Keyed hash of the submitted body, to tell a retried submission from a different one. */
  body_hash: z.string().optional(),
  /** Random per submission; tells whether an add created the job or met an existing id. */
  nonce: z.string().optional(),
  /** Dead-letter entry this order replays. */
  replay_of: z.string().optional(),
  /** Where the final status is POSTed (see callbacks.ts); never sent to vCare. */
  callback_url: z.string().optional(),
});

export type OrderMeta = z.infer<typeof orderMetaSchema>;

/**
 * BullMQ job data of an order. Parsed, never trusted: old jobs from older code and data edited
 * in Bull Board sit in Redis too.
 */
export const orderJobDataSchema = z.object({
  order: z.looseObject({ enrollment_id: z.string() }),
  meta: orderMetaSchema,
});

export interface OrderJobData {
  order: OrderBody;
  meta: OrderMeta;
}
