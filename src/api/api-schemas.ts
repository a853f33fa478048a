import { z } from 'zod';

/**
 * Shapes of the HTTP answers, for the OpenAPI document. Requests are described by the schemas
 * that validate them (the action modules); these describe what the routes send back.
 */

export const fieldIssueSchema = z.object({
  path: z.string().meta({ description: 'Dotted field path, e.g. `service_zip`' }),
  message: z.string().meta({ description: 'A sentence starting with the path' }),
});

export const validationErrorSchema = z.object({
  error: z.literal('validation_failed'),
  issues: z.array(fieldIssueSchema),
});

export const errorSchema = z.looseObject({
  error: z
    .string()
    .meta({ description: 'Machine-readable code, e.g. `not_found`, `unauthorized`' }),
  message: z.string().optional(),
});

const orderState = z.enum([
  'waiting',
  'active',
  'delayed',
  'completed',
  'failed',
  'dead_lettered',
  'cancelled',
]);

export const acceptedSchema = z.object({
  id: z.string(),
  action: z.string(),
  queue: z.string(),
  state: orderState,
  status_url: z.string(),
});

export const batchResultSchema = z.object({
  results: z.array(
    z.union([
      z.object({
        index: z.int(),
        id: z.string(),
        action: z.string(),
        queue: z.string(),
        duplicate: z
          .literal(true)
          .optional()
          .meta({ description: 'Its idempotency_key was already queued with this body' }),
      }),
      z.object({
        index: z.int(),
        error: z.literal('validation_failed'),
        issues: z.array(fieldIssueSchema),
      }),
      z.object({
        index: z.int(),
        error: z.literal('idempotency_conflict'),
        message: z.string(),
        id: z.string(),
      }),
    ]),
  ),
});

export const orderStatusSchema = z.object({
  id: z.string(),
  action: z.string(),
  queue: z.string(),
  state: orderState,
  attempts: z.int().meta({ description: 'Attempts spent (token faults are not counted)' }),
  result: z.unknown().optional().meta({ description: 'Completed: vCare msg_code, msg and data' }),
  error: z.string().optional(),
  dead_letter_id: z.string().optional(),
  replayed_as: z.string().optional(),
  chain: z
    .object({ id: z.string(), index: z.int() })
    .optional()
    .meta({ description: 'This order is step `index` of the order chain `id`' }),
});

const chainStepRef = z.object({
  index: z.int(),
  id: z.string().meta({ description: "The step's job id" }),
  action: z.string(),
  queue: z.string(),
});

export const chainAcceptedSchema = z.object({
  id: z.string().meta({ description: "The chain's id: its last step's job id" }),
  kind: z.literal('chain'),
  state: z.enum(['waiting', 'active', 'completed', 'dead_lettered', 'cancelled', 'failed']),
  steps: z.array(chainStepRef),
  status_url: z.string(),
});

export const chainStatusSchema = z.object({
  id: z.string(),
  kind: z.literal('chain'),
  state: chainAcceptedSchema.shape.state,
  steps: z.array(
    chainStepRef.extend({
      state: z.union([orderState, z.literal('unknown')]),
      attempts: z.int().optional(),
      result: z.unknown().optional(),
      error: z.string().optional(),
      dead_letter_id: z.string().optional(),
      replayed_as: z
        .string()
        .optional()
        .meta({ description: 'Replayed from the dead-letter queue: its newest run, shown here' }),
    }),
  ),
});

const deadLetterReason = z.enum(['permanent_error', 'attempts_exhausted', 'outcome_unknown']);
const nullableText = z.string().nullable();

/** One list line of `GET /v1/dead-letters` (docs/ops-api.md). */
export const deadLetterSummarySchema = z.looseObject({
  id: z.string().meta({ description: '`dl-<source queue>-<source job id>`' }),
  state: z.string(),
  source_queue: z.string(),
  source_job_id: z.string(),
  action: z.string(),
  enrollment_id: z.string(),
  reason: deadLetterReason,
  msg_code: nullableText,
  msg: nullableText,
  attempt_count: z.int(),
  first_seen_at: z.string(),
  dead_lettered_at: z.string(),
  replayed_as: nullableText,
});

export const deadLetterDetailSchema = deadLetterSummarySchema.extend({
  failed_reason: nullableText,
  error: z.looseObject({ class: z.string(), cause: z.string() }),
  attempts: z.array(z.looseObject({ at: z.string(), class: z.string(), cause: z.string() })),
  payload: z
    .looseObject({ order: z.looseObject({}), meta: z.looseObject({}) })
    .meta({ description: 'The order as queued, secret fields masked' }),
  replays: z.array(z.looseObject({})),
  audit: z.array(z.looseObject({})),
});

export const deadLetterPageSchema = z.object({
  entries: z.array(deadLetterSummarySchema),
  next_cursor: nullableText,
});

export const replayedSchema = z.looseObject({
  entry_id: z.string(),
  replayed_as: z.string(),
  queue: z.string(),
  fields: z.array(z.string()).meta({ description: 'Fields the patch changed' }),
  status_url: z.string(),
});

export const bulkReplayReportSchema = z.looseObject({
  dry_run: z.boolean(),
  matched: z.int(),
  replayed: z.array(z.looseObject({ id: z.string(), replayed_as: z.string() })),
  would_replay: z.array(z.looseObject({ id: z.string() })),
  refused: z.array(z.looseObject({ id: z.string(), error: z.string() })),
  truncated: z.boolean(),
});

export const discardedSchema = z.object({
  discarded: z.string(),
  cancelled: z
    .array(z.string())
    .optional()
    .meta({ description: 'Order chain steps after the discarded one, now cancelled' }),
});

export const auditPageSchema = z.object({ records: z.array(z.looseObject({})) });

export const readinessSchema = z.object({ redis: z.boolean(), workers: z.boolean() });
