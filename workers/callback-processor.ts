import { type Job, UnrecoverableError } from 'bullmq';
import type { Logger } from '../src/log.ts';
import type { Metrics } from '../src/metrics/metrics.ts';
import { callbackJobDataSchema } from '../src/queue/callbacks.ts';
import { SIGNATURE_HEADER, signCallback } from '../src/security/callback-signature.ts';

export interface CallbackProcessorDeps {
  /** CALLBACK_SECRET. */
  secret: string;
  logger: Logger;
  metrics?: Metrics;
  /** Per delivery attempt. @defaultValue 10 000 ms */
  timeoutMs?: number;
}

/** A delivery the receiver did not acknowledge with a 2xx: BullMQ retries it with backoff. */
export class CallbackDeliveryError extends Error {
  override name = 'CallbackDeliveryError';
}

/**
 * POSTs one status callback, signed afresh at each attempt (the signature carries the send
 * time). Only a 2xx answer counts as delivered; redirects are not followed, since the signed
 * body must reach the URL the producer gave, not wherever it points.
 */
export function createCallbackProcessor(deps: CallbackProcessorDeps) {
  const timeoutMs = deps.timeoutMs ?? 10_000;
  return async function deliverCallback(job: Job): Promise<{ status: number }> {
    const parsed = callbackJobDataSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError('callback job data is unreadable');
    const { url, body } = parsed.data;
    const text = JSON.stringify(body);
    const timestamp = Math.floor(Date.now() / 1000);
    const log = deps.logger.child({ queue: job.queueName, jobId: job.id, order: body.id });
    let status: number;
    try {
      const response = await fetch(url, {
        method: 'POST',
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'vcare-orders-callbacks',
          [SIGNATURE_HEADER]: signCallback(deps.secret, text, timestamp),
          'X-Vcare-Orders-Delivery': String(job.id),
        },
        body: text,
      });
      status = response.status;
      await response.body?.cancel();
    } catch (error) {
      failed(job, log, `callback not delivered: ${(error as Error).name}`);
    }
    if (status < 200 || status >= 300) failed(job, log, `callback answered HTTP ${status}`);
    deps.metrics?.recordCallback('delivered');
    log.debug({ status }, 'callback delivered');
    return { status };
  };

  function failed(job: Job, log: Logger, message: string): never {
    const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    deps.metrics?.recordCallback(last ? 'failed' : 'retry');
    // The URL may carry a token of the receiver's in its query: log the host only.
    log[last ? 'error' : 'warn']({ host: hostOf(job), attempt: job.attemptsMade + 1 }, message);
    throw new CallbackDeliveryError(message);
  }
}

function hostOf(job: Job): string | undefined {
  try {
    return new URL((job.data as { url: string }).url).host;
  } catch {
    return undefined;
  }
}
