import type { Queue } from 'bullmq';
import type { OrderJobData } from './job-data.ts';
import { deadLetterId } from './names.ts';

export type DeadLetterReason = 'permanent_error' | 'attempts_exhausted' | 'outcome_unknown';

/** The last thing vCare (or the network) said about the order. */
export interface FinalError {
  class: string;
  cause: string;
  msg_code?: string;
  msg?: string;
  errors?: string[];
}

export interface AttemptRecord {
  at: string;
  class: string;
  cause: string;
  msg_code?: string;
  msg?: string;
}

/** Job data of a `dead-letter` entry. Its job name is the order's vCare action. */
export interface DeadLetterEntry {
  source_queue: string;
  source_job_id: string;
  action: string;
  enrollment_id: string;
  /** The order as queued: secret fields stay as stored (encrypted). */
  payload: OrderJobData;
  reason: DeadLetterReason;
  error: FinalError;
  attempts: AttemptRecord[];
  first_seen_at: string;
  dead_lettered_at: string;
  /**
   * When the payload's secrets were replaced by the scrubbed marker (DEAD_LETTER_SECRET_TTL_HOURS
   * after dead-lettering); a replay must then supply them (see `missingScrubbedFields`).
   */
  secrets_scrubbed_at?: string;
}

/**
 * Writes the entry under an id derived from its source job, before the source job is failed:
 * a crash between the two leaves the entry, and the rerun's write is a harmless duplicate.
 */
export async function writeDeadLetter(queue: Queue, entry: DeadLetterEntry): Promise<string> {
  const id = deadLetterId(entry.source_queue, entry.source_job_id);
  await queue.add(entry.action, entry, { jobId: id });
  return id;
}
