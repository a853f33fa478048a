import type { z } from 'zod';

/** vCare module (URL path segment) an action is posted to. */
export type VcareModule = 'customer' | 'handover' | 'equipment';

/** BullMQ queue an action's jobs live in. */
export type OrderQueueName = 'enrollment' | 'activation' | 'status-change' | 'purchase';

/**
 * Whether running an action twice is harmless.
 * - `idempotent`: a second identical call leaves vCare as the first did; safe to retry after
 *   an unknown outcome.
 * - `side-effecting`: a second call may create a second customer or a second charge; after an
 *   unknown outcome the order is dead-lettered for an operator instead of retried.
 */
export type IdempotencyClass = 'idempotent' | 'side-effecting';

/** An order body as accepted at intake: always carries its vCare action and enrollment id. */
export type OrderBody = Record<string, unknown> & { action: string; enrollment_id: string };

/**
 * Everything the service knows about one vCare action. One module per action in this
 * folder exports one of these; `registry.ts` lists them and nothing else switches on names.
 */
export interface ActionDefinition {
  /** vCare `action` value, also the BullMQ job name. */
  readonly name: string;
  /** vCare module the request is posted to (`POST /<module>`). */
  readonly module: VcareModule;
  /** Queue the action's orders are processed from. */
  readonly queue: OrderQueueName;
  /**
   * Intake schema built from the vendor's field table. Objects are loose: unknown fields pass
   * through to vCare unchanged. Parsing normalises documented variants (e.g. `enroll_id`).
   */
  readonly schema: z.ZodType<OrderBody>;
  /**
   * The same schema judged as of `now` (card expiry depends on the date). `schema` uses the
   * real clock; `validateOrder(body, now)` uses this when present, so tests are deterministic.
   */
  schemaAt?(now: Date): z.ZodType<OrderBody>;
  /**
   * Business fields vCare itself insists on (its RESTAPI110 "Please enter …" checks): the
   * vendor table's Required fields after the decisions in docs/vcare-decisions.md. Never lists
   * `action`, `source`, `agent_id` or `agent_password` (vCare answers those with other codes)
   * nor fields required only under a condition. The sandbox enforces exactly these; intake
   * enforces them and more through `schema`.
   */
  readonly requiredFields: readonly string[];
  /** Top-level fields holding secrets: encrypted at rest, masked wherever a person looks. */
  readonly secretFields: readonly string[];
  /** Idempotency class of this particular order (a paid handover charges a card, an unpaid one does not). */
  idempotency(order: OrderBody): IdempotencyClass;
  /** Maps a validated order to the JSON body vCare expects. */
  toVcareBody(order: OrderBody): Record<string, unknown>;
}
