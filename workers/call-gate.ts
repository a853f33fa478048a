import { DelayedError, type Job, type Queue, RateLimitError } from 'bullmq';
import type { Logger } from '../src/log.ts';
import type { CallPermits, JobFieldWrite, Permit } from './call-permit.ts';
import type { Circuit, Recorded } from './circuit.ts';

export interface CallGateOptions {
  permits: CallPermits;
  circuit: Circuit;
  /**
   * The order queues, paused together (BullMQ `queue.rateLimit`) while the circuit is open.
   * Their workers must have a `limiter`: without one a rate-limited queue is not paused.
   */
  queues: ReadonlyMap<string, Queue>;
  logger: Logger;
  /** A job whose enrollment is busy waits between this and twice this. @defaultValue 100 ms */
  busyDelayMs?: number;
}

/** A job let through to call vCare; `leave` must follow, whatever happens. */
export interface CallPass {
  /** This call is the circuit's probe: its outcome closes or reopens the circuit. */
  readonly probe: boolean;
  /**
   * Counts a failed call (`vcareHealth`) in the circuit. True when the circuit is open now:
   * the failure says vCare is down, not that the order is wrong, so it must cost no attempt
   * (call `holdBack`). Never throws: if Redis does not answer, false (the attempt counts).
   */
  failed(): Promise<boolean>;
  /** Sends the job back to wait without spending an attempt, and pauses the order queues until the next probe. */
  holdBack(): Promise<never>;
  /**
   * Frees the enrollment and counts an answered call in the circuit; `write` rides on the same
   * round trip. Not awaited by the job: the call is over, and its job may complete meanwhile
   * (a round trip less per order). A failure is logged; the lock then expires on its own.
   */
  leave(answered: boolean, write?: JobFieldWrite): void;
}

export interface CallGate {
  /**
   * Lets the job call vCare, or moves it without spending an attempt and throws the BullMQ
   * error that says so: `RateLimitError` while the circuit is open or VCARE_MAX_RPS is
   * reached (the queue pauses for every worker), `DelayedError` while another job of the same
   * enrollment is calling (this job alone waits, the queue goes on). `mark` (the sending mark)
   * is written on the job in the same round trip, only when the job is let through.
   */
  enter(
    job: Job,
    token: string | undefined,
    enrollmentId: string,
    mark?: JobFieldWrite,
  ): Promise<CallPass>;
}

export function createCallGate(options: CallGateOptions): CallGate {
  const { circuit, logger } = options;
  const busyDelayMs = options.busyDelayMs ?? 100;
  const orderQueues = [...options.queues.values()];

  /**
   * Pauses the queues for every worker, then sends the job back to wait (no attempt spent).
   * If the job's own queue cannot be paused (Redis refused, or not an order queue), this job
   * alone waits it out instead: a RateLimitError without a pause would refetch it at once.
   */
  async function pause(
    job: Job,
    token: string | undefined,
    queues: Queue[],
    ms: number,
  ): Promise<never> {
    const waitMs = Math.max(1, Math.ceil(ms));
    let paused = queues.some((queue) => queue.name === job.queueName);
    if (paused) {
      try {
        await Promise.all(queues.map((queue) => queue.rateLimit(waitMs)));
      } catch (error) {
        logger.warn(
          { err: error, queue: job.queueName },
          'cannot pause the queue; delaying the job',
        );
        paused = false;
      }
    }
    if (paused) throw new RateLimitError();
    await job.moveToDelayed(Date.now() + waitMs, token);
    throw new DelayedError();
  }

  return {
    async enter(job, token, enrollmentId, mark) {
      const admission = await circuit.admit();
      if (!admission.go) return pause(job, token, orderQueues, admission.waitMs);
      const holder = `${job.queueName}:${job.id}`;
      const answer = await options.permits.acquire(enrollmentId, holder, mark);
      if (answer.kind === 'busy') {
        // Jitter: jobs of one enrollment that collided should not collide again in step.
        await job.moveToDelayed(Date.now() + busyDelayMs * (1 + Math.random()), token);
        throw new DelayedError();
      }
      if (answer.kind === 'rate-limited') {
        const own = orderQueues.filter((queue) => queue.name === job.queueName);
        return pause(job, token, own, answer.waitMs);
      }
      const permit: Permit = answer.permit;
      let waitMs = 0;
      return {
        probe: admission.probe,
        async failed() {
          let recorded: Recorded;
          try {
            recorded = await circuit.record({ failed: true, probe: admission.probe });
          } catch (error) {
            // The call is over; its outcome must still be handled (retry or dead-letter).
            logger.warn({ err: error }, 'vCare circuit not updated; counting the failure');
            return false;
          }
          if (recorded.transition === 'opened') {
            logger.warn(
              {
                calls: recorded.calls,
                failures: recorded.failures,
                window_ms: circuit.options.windowMs,
                probe_interval_ms: circuit.options.probeIntervalMs,
              },
              'vCare circuit opened: most calls fail; order queues paused, probing now and then',
            );
          }
          waitMs = recorded.waitMs;
          return recorded.state !== 'closed';
        },
        holdBack() {
          return pause(job, token, orderQueues, waitMs);
        },
        leave(answered, write) {
          // A probe's answer closes the circuit now; any other answer joins the next count.
          if (answered && !admission.probe) circuit.countAnswered();
          permit.release(write).catch((error: unknown) => {
            // It expires on its own (lockTtlMs); until then this enrollment's jobs wait. The
            // message only: a Redis error carries its command, here the order's data.
            logger.warn(
              {
                err: { message: (error as Error).message },
                enrollment_id: enrollmentId,
                job_field: write?.field,
              },
              'enrollment lock not released (nor the job field written with it)',
            );
          });
          if (!answered || !admission.probe) return;
          circuit.record({ failed: false, probe: true }).then(
            (recorded) => {
              if (recorded.transition === 'closed') {
                logger.info('vCare circuit closed: a probe call was answered; order queues resume');
              }
            },
            (error: unknown) => logger.warn({ err: error }, 'vCare circuit not updated'),
          );
        },
      };
    },
  };
}
