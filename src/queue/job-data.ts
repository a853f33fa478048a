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
  /** This order is one step of an order chain (see order-chain.ts). */
  chain: z
    .object({
      /** The chain's id: the job id of its last step, the root of its BullMQ flow. */
      id: z.string(),
      /** This step's place in the chain, from 0. */
      index: z.int().min(0),
      /** Every step of the chain, in order: job id, queue and vCare action. */
      steps: z.array(z.object({ id: z.string(), queue: z.string(), action: z.string() })),
    })
    .optional(),
  /** Set on the steps after a discarded one: they fail with `reason`, never calling vCare. */
  chain_cancelled: z.object({ reason: z.string(), at: z.string() }).optional(),
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
