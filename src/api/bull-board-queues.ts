import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import type { ExternalJobUrl, QueueJobJson } from '@bull-board/api/typings/app';
import type { Queue } from 'bullmq';
import { actions } from '../actions/registry.ts';
import { CALLBACK_QUEUE, DEAD_LETTER_QUEUE, deadLetterId } from '../queue/names.ts';

type JobData = Record<string, unknown> | undefined;

const FIXED_DESCRIPTIONS: Readonly<Record<string, string>> = {
  [DEAD_LETTER_QUEUE]:
    'Orders that failed for good, parked under Failed with their reason (permanent_error, attempts_exhausted, outcome_unknown). Each links to its original job; replay with the CLI or POST /v1/dead-letters/:id/replay.',
  [CALLBACK_QUEUE]:
    "Signed status callbacks to each order's callback_url, retried with backoff (10 attempts); Failed = the receiver never acknowledged.",
};

/** What the board says under a queue's name: for order queues, the vCare actions it runs. */
export function queueDescription(name: string): string {
  const fixed = FIXED_DESCRIPTIONS[name];
  if (fixed) return fixed;
  const runs = actions.filter((a) => a.queue === name);
  if (runs.length === 0) return '';
  const list = runs.map((a) => `${a.name} (POST /${a.module})`).join(', ');
  return `Runs vCare ${list}. Retries transient faults with backoff; what fails for good goes to dead-letter.`;
}

/** `action · enrollment id`, plus the reason of a dead letter or the state a callback reports. */
export function readableJobName(queue: string, job: QueueJobJson): string {
  const data = job.data as JobData;
  const order = data?.order as JobData;
  const body = data?.body as JobData;
  const enrollment =
    text(order?.enrollment_id) ?? text(data?.enrollment_id) ?? text(body?.enrollment_id);
  const parts = [job.name, enrollment];
  if (queue === DEAD_LETTER_QUEUE) parts.push(text(data?.reason));
  if (queue === CALLBACK_QUEUE) parts.push(text(body?.state));
  return parts.filter(Boolean).join(' · ');
}

/**
 * Where a job's "open" link leads inside the board: a dead letter to its original job, a
 * dead-lettered or replayed order to its dead-letter entry, a callback to its order.
 */
export function relatedJobUrl(
  basePath: string,
  queue: string,
  job: QueueJobJson,
): { href: string; displayText: string } | undefined {
  const data = job.data as JobData;
  const link = (q: string, id: string, displayText: string) => ({
    href: `${basePath}/queue/${encodeURIComponent(q)}/${encodeURIComponent(id)}`,
    displayText,
  });
  if (queue === DEAD_LETTER_QUEUE) {
    const source = text(data?.source_queue);
    const id = text(data?.source_job_id);
    return source && id ? link(source, id, 'original job') : undefined;
  }
  if (queue === CALLBACK_QUEUE) {
    const source = text(data?.queue);
    const id = text((data?.body as JobData)?.id);
    return source && id ? link(source, id, 'order') : undefined;
  }
  const replayOf = text((data?.meta as JobData)?.replay_of);
  if (replayOf) return link(DEAD_LETTER_QUEUE, replayOf, 'replayed from this dead letter');
  if (job.id && job.failedReason?.startsWith('dead-lettered')) {
    const entry = deadLetterId(queue, String(job.id));
    return link(DEAD_LETTER_QUEUE, entry, 'dead-letter entry');
  }
  return undefined;
}

/** A Bull Board adapter with the queue's description, readable job names and related-job links. */
export function describedAdapter(queue: Queue, basePath: string): BullMQAdapter {
  const adapter = new BullMQAdapter(queue, {
    description: queueDescription(queue.name),
    // Typed as always returning a link, but the board hides the link when this is undefined.
    externalJobUrl: (job) => relatedJobUrl(basePath, queue.name, job) as ExternalJobUrl,
  });
  adapter.setFormatter('name', (job: QueueJobJson) => readableJobName(queue.name, job));
  return adapter;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
