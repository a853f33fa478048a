import { type Job, type Queue, UnrecoverableError } from 'bullmq';
import type { ActionDefinition, OrderBody } from '../src/actions/action.ts';
import { findAction } from '../src/actions/registry.ts';
import type { Logger } from '../src/log.ts';
import {
  type AttemptRecord,
  type DeadLetterReason,
  type FinalError,
  writeDeadLetter,
} from '../src/queue/dead-letter.ts';
import { type OrderJobData, orderJobDataSchema } from '../src/queue/job-data.ts';
import type { Cipher } from '../src/security/cipher.ts';
import { decryptFields } from '../src/security/secret-fields.ts';
import type { VcareClient } from '../src/vcare/client.ts';
import { describeOutcome, TransientVcareError } from './errors.ts';

export interface OrderProcessorDeps {
  client: VcareClient;
  cipher: Cipher;
  deadLetters: Queue;
  /** The order queues, to read a job's attempt log when it is dead-lettered. */
  queues: ReadonlyMap<string, Queue>;
  logger: Logger;
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
 * UnrecoverableError (failed for good). Token faults never reach here: the client retries them
 * with fresh tokens inside the same attempt.
 */
export function createOrderProcessor(deps: OrderProcessorDeps) {
  return async function processOrder(
    job: Job,
    _token?: string,
    signal?: AbortSignal,
  ): Promise<OrderResult> {
    const log = deps.logger.child({
      queue: job.queueName,
      jobId: job.id,
      action: job.name,
      attempt: job.attemptsMade + 1,
    });

    const parsed = orderJobDataSchema.safeParse(job.data);
    if (!parsed.success) {
      return deadLetter(job, undefined, 'permanent_error', {
        class: 'permanent',
        cause: 'invalid_job_data',
        msg: 'job data is not an order envelope',
      });
    }
    const data = parsed.data as OrderJobData;
    const action = findAction(job.name);
    if (!action) {
      return deadLetter(job, data, 'permanent_error', {
        class: 'permanent',
        cause: 'unknown_action',
        msg: `no vCare action named ${job.name}`,
      });
    }
    const order = openOrder(action, data.order);
    if ('error' in order) return deadLetter(job, data, 'permanent_error', order.error);

    const outcome = await deps.client.call(action.module, action.toVcareBody(order.value), signal);
    const final: FinalError = {
      class: outcome.class,
      cause: outcome.cause,
      msg_code: outcome.msgCode,
      msg: outcome.msg,
      errors: outcome.errors,
    };
    switch (outcome.class) {
      case 'success':
        log.debug(
          { msg_code: outcome.msgCode, token_retries: outcome.tokenRetries },
          'order completed',
        );
        return { msg_code: outcome.msgCode, msg: outcome.msg, data: outcome.data };
      case 'permanent':
        return deadLetter(job, data, 'permanent_error', final);
      case 'unknown-outcome':
        if (action.idempotency(order.value) === 'side-effecting') {
          return deadLetter(job, data, 'outcome_unknown', final);
        }
        break;
      default:
        break;
    }
    if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) {
      return deadLetter(job, data, 'attempts_exhausted', final);
    }
    await job.log(JSON.stringify(attemptRecord(final)));
    log.warn({ outcome: final }, 'vCare call failed, will retry');
    throw new TransientVcareError(outcome);
  };

  /** Decrypts and re-validates: the data may have been edited in Bull Board since intake. */
  function openOrder(
    action: ActionDefinition,
    stored: OrderBody,
  ): { value: OrderBody } | { error: FinalError } {
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
    const checked = action.schema.safeParse({ ...plain, action: action.name });
    if (!checked.success) {
      const errors = checked.error.issues.map((i) => i.message);
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
      action: job.name,
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
    throw new UnrecoverableError(`dead-lettered (${reason}): ${describeOutcome(error)}`);
  }
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
