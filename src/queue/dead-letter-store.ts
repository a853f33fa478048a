import type { Job, JobType, Queue } from 'bullmq';
import { z } from 'zod';
import type { DeadLetterEntry } from './dead-letter.ts';

/** One replay of an entry, kept on the entry (the audit stream has the same, capped). */
export interface ReplayRecord {
  at: string;
  actor: string;
  replayed_as: string;
  /** Names of the patched fields. */
  fields: string[];
  forced: boolean;
}

/** An entry as stored: the dead-letter write plus what replays added. */
export interface StoredDeadLetter extends DeadLetterEntry {
  /** The newest order made from this entry; set once replayed. */
  replayed_as?: string;
  replays?: ReplayRecord[];
}

// Entry data is parsed, not trusted: Bull Board's "Update data" can write anything.
const entrySchema = z.looseObject({
  source_queue: z.string(),
  source_job_id: z.string(),
  action: z.string(),
  enrollment_id: z.string().default(''),
  payload: z.looseObject({ order: z.looseObject({}), meta: z.looseObject({}) }),
  reason: z.string(),
  error: z.looseObject({ class: z.string(), cause: z.string() }),
  attempts: z.array(z.looseObject({})).default([]),
  first_seen_at: z.string().default(''),
  dead_lettered_at: z.string().default(''),
  replayed_as: z.string().optional(),
  replays: z.array(z.looseObject({})).optional(),
});

/** The entry in a dead-letter job, or undefined when the data is not an entry. */
export function parseEntry(data: unknown): StoredDeadLetter | undefined {
  const parsed = entrySchema.safeParse(data);
  return parsed.success ? (parsed.data as unknown as StoredDeadLetter) : undefined;
}

/** Filters of `GET /v1/dead-letters`, the CLI's `dlq list` and bulk replay; all optional, ANDed. */
export interface DeadLetterFilter {
  /** Source queue (`enrollment`, `activation`, `status-change`, `purchase`). */
  queue?: string;
  action?: string;
  /** vCare's final msg_code, e.g. `RESTAPI110`. */
  msg_code?: string;
  /** `permanent_error`, `attempts_exhausted` or `outcome_unknown`. */
  reason?: string;
  /** Dead-lettered at or after this time. */
  since?: Date;
  /** true: only entries replayed before; false: only those never replayed. */
  replayed?: boolean;
}

/** Where each entry job can sit: parked (failed), replayed from Bull Board (completed), or on its way. */
const STATES: readonly JobType[] = ['failed', 'completed', 'waiting', 'active', 'delayed'];
const CHUNK = 200;

export interface DeadLetterRef {
  job: Job;
  entry: StoredDeadLetter;
  /** BullMQ state of the entry job. */
  state: string;
}

export interface DeadLetterPage {
  items: DeadLetterRef[];
  /** Pass back as `cursor` for the next page; null after the last one. */
  next_cursor: string | null;
}

export function matches(entry: StoredDeadLetter, filter: DeadLetterFilter): boolean {
  if (filter.queue !== undefined && entry.source_queue !== filter.queue) return false;
  if (filter.action !== undefined && entry.action !== filter.action) return false;
  if (filter.msg_code !== undefined && entry.error.msg_code !== filter.msg_code) return false;
  if (filter.reason !== undefined && entry.reason !== filter.reason) return false;
  if (filter.since !== undefined && !(Date.parse(entry.dead_lettered_at) >= filter.since.getTime()))
    return false;
  if (filter.replayed !== undefined && Boolean(entry.replayed_as) !== filter.replayed) return false;
  return true;
}

/**
 * One page of entries matching `filter`: parked (failed) first, then replayed from Bull Board
 * (completed), then those in flight; newest first within each. The cursor is a position
 * (`<state index>.<offset>`): entries dead-lettered between two pages may show up twice,
 * none is skipped.
 */
export async function listDeadLetters(
  queue: Queue,
  filter: DeadLetterFilter,
  page: { limit: number; cursor?: string },
): Promise<DeadLetterPage> {
  let [stateIndex, offset] = decodeCursor(page.cursor);
  const items: DeadLetterRef[] = [];
  while (stateIndex < STATES.length) {
    const state = STATES[stateIndex] as JobType;
    const jobs = await queue.getJobs(state, offset, offset + CHUNK - 1);
    for (const [i, job] of jobs.entries()) {
      const entry = job ? parseEntry(job.data) : undefined;
      if (!(job && entry && matches(entry, filter))) continue;
      items.push({ job, entry, state });
      if (items.length === page.limit) {
        return { items, next_cursor: `${stateIndex}.${offset + i + 1}` };
      }
    }
    if (jobs.length < CHUNK) {
      stateIndex += 1;
      offset = 0;
    } else {
      offset += CHUNK;
    }
  }
  return { items, next_cursor: null };
}

/** One entry by id; undefined when there is none (or its data is not an entry). */
export async function getDeadLetter(queue: Queue, id: string): Promise<DeadLetterRef | undefined> {
  const job = await queue.getJob(id);
  const entry = job ? parseEntry(job.data) : undefined;
  if (!(job && entry)) return undefined;
  return { job, entry, state: await job.getState() };
}

/** Throws on a cursor this module did not make. */
function decodeCursor(cursor: string | undefined): [number, number] {
  if (cursor === undefined || cursor === '') return [0, 0];
  const match = /^(\d+)\.(\d+)$/.exec(cursor);
  if (!match) throw new InvalidCursorError();
  return [Number(match[1]), Number(match[2])];
}

export class InvalidCursorError extends Error {
  override name = 'InvalidCursorError';
  constructor() {
    super('cursor is not one this API returned');
  }
}
