import type { Queue } from 'bullmq';
import { z } from 'zod';
import type { FieldIssue } from '../actions/validate.ts';
import type { DeadLetterReason, FinalError } from './dead-letter.ts';
import type { OrderSettled } from './order-settled.ts';

/**
 * An order's optional `callback_url`: where its final status is POSTed. It belongs to this
 * service, not to vCare: intake moves it from the body into the job's meta.
 */
export const callbackUrlSchema = z
  .url({ protocol: /^https?$/, error: 'must be an http or https URL' })
  .max(2048, { error: 'must be at most 2048 characters' })
  .meta({
    description:
      'Where the final status (completed or dead_lettered) is POSTed, signed with X-Vcare-Orders-Signature. Kept by the service, never sent to vCare.',
  });

/** Tries per callback (exponential backoff from CALLBACK_BACKOFF_DELAY_MS). */
export const CALLBACK_ATTEMPTS = 10;

/** The JSON body POSTed to `callback_url`. */
export interface CallbackBody {
  /** The order's id (as returned by intake). */
  id: string;
  action: string;
  enrollment_id: string;
  state: 'completed' | 'dead_lettered';
  /** Completed: vCare's msg_code, msg and data. */
  result?: unknown;
  /** Dead-lettered: why. */
  error?: FinalError & { reason: DeadLetterReason };
  dead_letter_id?: string;
  /** ISO time the order settled. */
  at: string;
}

/** Job data of the `callbacks` queue. Parsed by the worker: old jobs may sit in Redis. */
export const callbackJobDataSchema = z.object({
  url: z.string(),
  queue: z.string().optional(),
  body: z.looseObject({ id: z.string(), action: z.string(), state: z.string() }),
});

export interface CallbackJobData {
  url: string;
  /** The order's queue (with body.id, where to find the order in Bull Board). */
  queue: string;
  body: CallbackBody;
}

/** One callback per settled order: a rerun of the same job cannot send a second one. */
export function callbackJobId(queue: string, jobId: string): string {
  return `cb-${queue}-${jobId}`;
}

/**
 * Queues the status callback of a settled order that asked for one; returns its job id, or
 * undefined when the order has no callback_url. A single `add` with a deterministic id.
 */
export async function enqueueCallback(
  queue: Queue,
  event: OrderSettled,
  backoffDelayMs: number,
): Promise<string | undefined> {
  const url = callbackUrlSchema.safeParse(event.meta?.callback_url);
  if (!url.success) return undefined;
  const body: CallbackBody = {
    id: event.jobId,
    action: event.action,
    enrollment_id: event.enrollmentId,
    state: event.state,
    at: event.at,
  };
  if (event.state === 'completed') body.result = event.result;
  else {
    if (event.error && event.reason) body.error = { reason: event.reason, ...event.error };
    if (event.deadLetterId) body.dead_letter_id = event.deadLetterId;
  }
  const id = callbackJobId(event.queue, event.jobId);
  const data: CallbackJobData = { url: url.data, queue: event.queue, body };
  await queue.add(event.action, data, {
    jobId: id,
    attempts: CALLBACK_ATTEMPTS,
    backoff: { type: 'exponential', delay: backoffDelayMs, jitter: 0.2 },
    removeOnComplete: { count: 10_000 },
  });
  return id;
}

/**
 * Splits `callback_url` off an intake body: vCare must not receive it (unknown fields pass
 * through to vCare untouched). Returns the rest of the body, the URL, and the issue when it is
 * not an http(s) URL.
 */
export function takeCallbackUrl(body: unknown): {
  body: unknown;
  url?: string;
  issues: FieldIssue[];
} {
  if (typeof body !== 'object' || body === null || Array.isArray(body) || !('callback_url' in body))
    return { body, issues: [] };
  const { callback_url: raw, ...rest } = body as Record<string, unknown>;
  if (raw === undefined || raw === null || raw === '') return { body: rest, issues: [] };
  const url = callbackUrlSchema.safeParse(raw);
  if (url.success) return { body: rest, url: url.data, issues: [] };
  const message = url.error.issues[0]?.message ?? 'must be an http or https URL';
  return {
    body: rest,
    issues: [{ path: 'callback_url', message: `callback_url ${message}` }],
  };
}
