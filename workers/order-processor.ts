import { type Job, type Queue, UnrecoverableError } from 'bullmq';
import type { ActionDefinition, OrderBody } from '../src/actions/action.ts';
import { fastParse } from '../src/actions/fast-parse.ts';
import { findAction } from '../src/actions/registry.ts';
import type { Logger } from '../src/log.ts';
import {
  type AttemptRecord,
  type DeadLetterReason,
  type FinalError,
  writeDeadLetter,
} from '../src/queue/dead-letter.ts';
import { type OrderJobData, orderJobDataSchema } from '../src/queue/job-data.ts';
import type { OrderSettled } from '../src/queue/order-settled.ts';
import { verdictFor } from '../src/queue/retry-policy.ts';
import type { Cipher } from '../src/security/cipher.ts';
import { scrubMessages, scrubText, secretValues } from '../src/security/redact.ts';
import { scrubbedFields } from '../src/security/scrub.ts';
import { decryptFields } from '../src/security/secret-fields.ts';
import type { CallResult, VcareClient } from '../src/vcare/client.ts';
import type { CallGate } from './call-gate.ts';
import type { JobFieldWrite } from './call-permit.ts';
import { chainCancellation } from './chain-guard.ts';
import { vcareHealth } from './circuit.ts';
import { describeOutcome, TransientVcareError } from './errors.ts';
import { scrubbedJob } from './scrub-completed.ts';
import { clearSending, interruptedRun, sendingMark } from './sending-marker.ts';

export interface OrderProcessorDeps {
  client: VcareClient;
  cipher: Cipher;
  deadLetters: Queue;
  /** The order queues, to read a job's attempt log when it is dead-lettered. */
  queues: ReadonlyMap<string, Queue>;
  logger: Logger;
  /**
   * Lets each call to vCare through: one job per enrollment at a time, VCARE_MAX_RPS, and the
   * circuit breaker. A job held back waits without spending an attempt.
   */
  gate: CallGate;
  /**
   * Told once an order is final, before the job moves (metrics, status callbacks). Awaited;
   * an error is logged and never changes the order's fate.
   */
  onSettled?: (event: OrderSettled) => Promise<void>;
  /**
   * Stalls (worker killed or lock lost mid-job) an order survives; on the next it is
   * dead-lettered `attempts_exhausted`. A side-effecting order whose call may have left is
   * dead-lettered `outcome_unknown` at its first stall whatever this says. @defaultValue 1
   */
  maxStalls?: number;
}

/** What a completed order keeps: vCare's answer, no request data. */
export interface OrderResult {
  msg_code: string | undefined;
  msg: string | undefined;
  data: unknown;
}

/**
 * Runs one order against vCare and turns the outcome into a BullMQ move: return (completed),
 * throw TransientVcareError (retry with backoff), or write a dead-letter entry and throw
 * UnrecoverableError (failed for good), as `verdictFor` (retry-policy.ts) says. Token faults
 * never reach here: the client retries them with fresh tokens inside the same attempt. A
 * side-effecting order marks its job as sending before the call (sending-marker.ts), so a
 * rerun after a crash or a lost lock dead-letters it instead of sending it again. The call
 * goes through the gate (call-gate.ts): a job whose enrollment is busy, or that meets an open
 * circuit or a full VCARE_MAX_RPS second, is moved back without spending an attempt, and so
 * is one whose call failed while the circuit is open.
 */
export function createOrderProcessor(deps: OrderProcessorDeps) {
  return async function processOrder(
    job: Job,
    token?: string,
    signal?: AbortSignal,
  ): Promise<OrderResult> {
    // Made on the first line logged: a child logger per job was a measurable cost per order.
    let child: Logger | undefined;
    const log = () =>
      (child ??= deps.logger.child({
        queue: job.queueName,
        jobId: job.id,
        action: job.name,
        attempt: job.attemptsMade + 1,
      }));

    const parsed = orderJobDataSchema.safeParse(job.data);
    if (!parsed.success) {
      return deadLetter(job, undefined, 'permanent_error', {
        class: 'permanent',
        cause: 'invalid_job_data',
        msg: 'job data is not an order envelope',
      });
    }
    const data = parsed.data as OrderJobData;
    // A chain step after a discarded (or removed) one fails without calling vCare.
    const cancelled = await chainCancellation(job, data);
    if (cancelled) {
      log().info({ reason: cancelled.message }, 'chain step cancelled');
      throw cancelled;
    }
    const interrupted = interruptedRun(job, deps.maxStalls ?? 1);
    if (interrupted) return deadLetter(job, data, interrupted.reason, interrupted.error);
    const action = actionOf(job, data);
    if (!action) {
      return deadLetter(job, data, 'permanent_error', {
        class: 'permanent',
        cause: 'unknown_action',
        msg: `no vCare action named ${job.name}`,
      });
    }
    const order = openOrder(action, data.order);
    if ('error' in order) return deadLetter(job, data, 'permanent_error', order.error);
    const idempotency = action.idempotency(order.value);
    // A side-effecting job is marked sending in the gate's round trip, only once let through
    // and before the request can leave: a rerun of this attempt after a crash must not resend,
    // while a job sent back by the gate has sent nothing and its rerun must find no mark.
    const mark = idempotency === 'side-effecting' ? sendingMark(job) : undefined;
    const pass = await deps.gate.enter(job, token, order.value.enrollment_id, mark);
    let answered = false;
    let scrubbed: { data: OrderJobData; write: JobFieldWrite } | undefined;
    try {
      // vCare may echo what it was sent in msg/errors: scrub before anything keeps or logs them.
      const outcome = scrubMessages(
        await callVcare(action, order.value, signal),
        secretValues(order.value, action.secretFields),
      );
      const health = vcareHealth(outcome);
      answered = health === 'answered';
      const vcareDown = health === 'failed' && (await pass.failed());
      const final: FinalError = {
        class: outcome.class,
        cause: outcome.cause,
        msg_code: outcome.msgCode,
        msg: outcome.msg,
        errors: outcome.errors,
      };
      const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      const verdict = verdictFor(outcome.class, idempotency, lastAttempt);
      if (verdict === 'complete') {
        if (deps.logger.isLevelEnabled('debug')) {
          log().debug(
            { msg_code: outcome.msgCode, token_retries: outcome.tokenRetries },
            'order completed',
          );
        }
        const result = { msg_code: outcome.msgCode, msg: outcome.msg, data: outcome.data };
        // A side-effecting order's secrets go with its lock's release, before it completes:
        // a rerun of this attempt is dead-lettered unsent whatever its data (sending mark), so
        // nothing needs them any more, and its completion costs no scrub of its own.
        if (mark) scrubbed = scrubbedJob(job);
        await settled(job, data, { state: 'completed', result });
        return result;
      }
      if (vcareDown && (verdict === 'retry' || verdict === 'attempts_exhausted')) {
        // The circuit is open: this failure is vCare's outage, not the order's; no attempt spent.
        // The call still happened: its record tells an operator (and whoever audits a double
        // effect) that an idempotent order may have acted before it ran again.
        if (idempotency === 'side-effecting') await clearSending(job);
        await job.log(JSON.stringify(attemptRecord(final)));
        log().debug({ outcome: final }, 'vCare call failed while the circuit is open; held back');
        return await pass.holdBack();
      }
      // Awaited here: the finally block awaits too, and a rejection must not wait unhandled.
      if (verdict !== 'retry') return await deadLetter(job, data, verdict, final);
      // Only a transient outcome retries a side-effecting order: vCare did not act.
      if (idempotency === 'side-effecting') await clearSending(job);
      await job.log(JSON.stringify(attemptRecord(final)));
      log().warn({ outcome: final }, 'vCare call failed, will retry');
      throw new TransientVcareError(outcome);
    } finally {
      // After the outcome is handled: the next job of this enrollment sees it settled.
      pass.leave(answered, scrubbed?.write);
      // The completed listener then finds nothing left to scrub.
      if (scrubbed) job.data = scrubbed.data;
    }
  };

  /**
   * The client throws only before the request leaves (its token pool's Redis failed): a
   * transient fault like any other, so the last attempt still ends in a dead-letter entry.
   */
  async function callVcare(
    action: ActionDefinition,
    order: OrderBody,
    signal: AbortSignal | undefined,
  ): Promise<CallResult> {
    try {
      return await deps.client.call(action.module, action.toVcareBody(order), signal);
    } catch (error) {
      const msg = `not sent: ${(error as Error).message}`;
      return { class: 'transient', cause: 'internal_error', msg, tokenRetries: 0 };
    }
  }

  /**
   * Decrypts and validates again: the data may have been edited in Bull Board since intake,
   * and a card may have expired since. A valid order costs about what checking a MAC over it
   * did (`fastParse`).
   */
  function openOrder(
    action: ActionDefinition,
    stored: OrderBody,
  ): { value: OrderBody } | { error: FinalError } {
    const scrubbed = scrubbedFields(stored);
    if (scrubbed.length > 0) {
      return {
        error: {
          class: 'permanent',
          cause: 'secrets_scrubbed',
          msg: `secret fields were scrubbed; replay with them in the patch: ${scrubbed.join(', ')}`,
        },
      };
    }
    let plain: OrderBody;
    try {
      plain = decryptFields(stored, action.secretFields, deps.cipher);
    } catch (error) {
      return {
        error: {
          class: 'permanent',
          cause: 'decrypt_failed',
          msg: `secret fields cannot be decrypted: ${(error as Error).message}`,
        },
      };
    }
    // The job's name decides the action (a Bull Board duplicate may carry another in its data);
    // a copy only when they differ: this runs for every order.
    const body = plain.action === action.name ? plain : { ...plain, action: action.name };
    const valid = fastParse(action.schema, body);
    if (valid) return { value: valid };
    const checked = action.schema.safeParse(body);
    if (!checked.success) {
      // Our messages never quote values; zod's own defaults are not ours to promise.
      const secrets = secretValues(plain, action.secretFields);
      const errors = checked.error.issues.map((i) => scrubText(i.message, secrets));
      return {
        error: {
          class: 'permanent',
          cause: 'invalid_order',
          msg: 'order no longer passes validation',
          errors,
        },
      };
    }
    return { value: checked.data };
  }

  /** Tells the hook; a failure here must not turn a completed call into a retry (a second call). */
  async function settled(
    job: Job,
    data: OrderJobData | undefined,
    outcome: Pick<OrderSettled, 'state' | 'result' | 'reason' | 'error' | 'deadLetterId'>,
  ): Promise<void> {
    if (!deps.onSettled) return;
    try {
      await deps.onSettled({
        queue: job.queueName,
        jobId: job.id as string,
        action: actionOf(job, data)?.name ?? job.name,
        enrollmentId: data?.order.enrollment_id ?? '',
        meta: data?.meta,
        at: new Date().toISOString(),
        ...outcome,
      });
    } catch (error) {
      deps.logger.error(
        { err: error, queue: job.queueName, jobId: job.id, state: outcome.state },
        'order settled, but its hooks failed (metrics or callback)',
      );
    }
  }

  async function deadLetter(
    job: Job,
    data: OrderJobData | undefined,
    reason: DeadLetterReason,
    error: FinalError,
  ): Promise<never> {
    const queue = deps.queues.get(job.queueName);
    const logs = queue ? (await queue.getJobLogs(job.id as string)).logs : [];
    const attempts = [...logs.flatMap(parseAttempt), attemptRecord(error)];
    const now = new Date().toISOString();
    const id = await writeDeadLetter(deps.deadLetters, {
      source_queue: job.queueName,
      source_job_id: job.id as string,
      action: actionOf(job, data)?.name ?? job.name,
      enrollment_id: data?.order.enrollment_id ?? '',
      payload: data ?? {
        order: { action: job.name, enrollment_id: '' },
        meta: { received_at: job.timestamp },
      },
      reason,
      error,
      attempts,
      first_seen_at: new Date(data?.meta.received_at ?? job.timestamp).toISOString(),
      dead_lettered_at: now,
    });
    deps.logger.warn(
      { queue: job.queueName, jobId: job.id, action: job.name, reason, error, dead_letter_id: id },
      'order dead-lettered',
    );
    await settled(job, data, { state: 'dead_lettered', reason, error, deadLetterId: id });
    throw new UnrecoverableError(`dead-lettered (${reason}): ${describeOutcome(error)}`);
  }
}

/**
 * The job's vCare action. Bull Board's Duplicate names the copy by the *displayed* name
 * ("action · enrollment"), so fall back to the action the order itself carries (checked at intake).
 */
function actionOf(job: Job, data: OrderJobData | undefined): ActionDefinition | undefined {
  return findAction(job.name) ?? findAction(String(data?.order.action));
}

function attemptRecord(error: FinalError): AttemptRecord {
  return {
    at: new Date().toISOString(),
    class: error.class,
    cause: error.cause,
    msg_code: error.msg_code,
    msg: error.msg,
  };
}

function parseAttempt(line: string): AttemptRecord[] {
  try {
    return [JSON.parse(line) as AttemptRecord];
  } catch {
    return [];
  }
}
