import { type Job, UnrecoverableError } from 'bullmq';
import type { DeadLetterEntry } from '../src/queue/dead-letter.ts';
import { type DeadLetterOpsDeps, replayDeadLetter } from '../src/queue/replay.ts';
import { refusal } from '../src/queue/replay-many.ts';
import { describeOutcome } from './errors.ts';

/** Who Bull Board's buttons replay as, in the audit (the board does not tell us the user). */
export const BULL_BOARD_ACTOR = 'bull-board';

/**
 * Parks each new dead-letter entry in the `failed` state with a reason an operator can read in
 * Bull Board; there it waits for an operator.
 */
export async function parkDeadLetter(job: Job): Promise<never> {
  const entry = job.data as Partial<DeadLetterEntry>;
  const error = entry.error ?? { class: 'permanent', cause: 'unknown' };
  throw operatorReason(`${entry.reason ?? 'dead-lettered'}: ${describeOutcome(error)}`);
}

/**
 * Fails the entry for good with `reason` as the whole of what Bull Board shows: the stack of
 * this processor would only bury the one line an operator needs.
 */
function operatorReason(reason: string): UnrecoverableError {
  const error = new UnrecoverableError(reason);
  error.stack = `${error.name}: ${reason}`;
  return error;
}

/**
 * The `dead-letter` queue's processor, which makes Bull Board's own buttons the replay door.
 * A new entry's first run parks it (failed, with its reason). Any later run means an operator
 * pressed Retry (or Retry all) on it: Bull Board's retry keeps `attemptsMade`, so
 * `attemptsMade >= 1` tells the two apart. That run replays the order (a new job in its source
 * queue, audited as `bull-board`) and completes with `{replayed_as}`; a refused replay (already
 * replayed, invalid order, scrubbed secrets) fails the entry again with the reason.
 */
export function createDeadLetterProcessor(deps: DeadLetterOpsDeps) {
  return async function processDeadLetter(job: Job): Promise<{ replayed_as: string }> {
    if (job.attemptsMade < 1) return parkDeadLetter(job);
    const result = await replayDeadLetter(deps, job.id as string, { actor: BULL_BOARD_ACTOR });
    if (result.status === 'replayed') return { replayed_as: result.replayed_as };
    if (result.status === 'already_replayed') {
      throw operatorReason(
        `already replayed as ${result.replayed_as}; use force from the API/CLI to replay again`,
      );
    }
    if (result.status === 'would_replay') throw new Error('a Bull Board retry is never a dry run');
    throw operatorReason(`replay refused: ${refusal(result).message}`);
  };
}
