import { setTimeout as delay } from 'node:timers/promises';
import type { FieldIssue } from '../actions/validate.ts';
import { type DeadLetterFilter, listDeadLetters } from './dead-letter-store.ts';
import { type DeadLetterOpsDeps, replayDeadLetter } from './replay.ts';

export interface ReplayManyOptions {
  actor: string;
  /** Check and report, queue nothing. @defaultValue false */
  dryRun?: boolean;
  /** Replays per second, so a fixed outage does not come back as one burst. @defaultValue 10 */
  ratePerS?: number;
  /** Replay entries replayed before too. @defaultValue false */
  force?: boolean;
  /** Most entries taken in one call; `truncated` tells when more matched. @defaultValue 1000 */
  limit?: number;
}

export interface Refusal {
  id: string;
  /** `already_replayed`, `validation_failed`, `replay_in_progress`, `not_replayable` or `not_found`. */
  error: string;
  message: string;
  replayed_as?: string;
  issues?: FieldIssue[];
}

/** What a bulk replay did (or, dry, would do). */
export interface ReplayManyReport {
  dry_run: boolean;
  /** Entries the filter matched (at most `limit`). */
  matched: number;
  replayed: { id: string; replayed_as: string; queue: string }[];
  would_replay: { id: string; queue: string }[];
  refused: Refusal[];
  /** More entries matched than `limit`; run again for the rest. */
  truncated: boolean;
}

/**
 * Replays every entry matching `filter`, one by one through `replayDeadLetter` (same checks,
 * lock and audit as a single replay), paced at `ratePerS`.
 */
export async function replayMany(
  deps: DeadLetterOpsDeps,
  filter: DeadLetterFilter,
  options: ReplayManyOptions,
): Promise<ReplayManyReport> {
  const limit = options.limit ?? 1000;
  const dryRun = options.dryRun ?? false;
  const ids: string[] = [];
  let cursor: string | undefined;
  let truncated = false;
  do {
    const page = await listDeadLetters(deps.deadLetters, filter, { limit: 200, cursor });
    for (const item of page.items) {
      if (ids.length === limit) {
        truncated = true;
        break;
      }
      ids.push(item.job.id as string);
    }
    cursor = page.next_cursor ?? undefined;
  } while (cursor && !truncated);

  const report: ReplayManyReport = {
    dry_run: dryRun,
    matched: ids.length,
    replayed: [],
    would_replay: [],
    refused: [],
    truncated,
  };
  const intervalMs = 1000 / (options.ratePerS ?? 10);
  const started = Date.now();
  let sent = 0;
  for (const id of ids) {
    if (!dryRun && sent > 0) {
      const wait = started + sent * intervalMs - Date.now();
      if (wait > 0) await delay(wait);
    }
    const result = await replayDeadLetter(deps, id, {
      actor: options.actor,
      force: options.force,
      dryRun,
    });
    switch (result.status) {
      case 'replayed':
        sent += 1;
        report.replayed.push({ id, replayed_as: result.replayed_as, queue: result.queue });
        break;
      case 'would_replay':
        report.would_replay.push({ id, queue: result.queue });
        break;
      default:
        report.refused.push(refusal(result));
    }
  }
  return report;
}

/** The error code and sentence the ops API answers for a refused replay. */
export function refusal(
  result: Exclude<
    Awaited<ReturnType<typeof replayDeadLetter>>,
    { status: 'replayed' | 'would_replay' }
  >,
): Refusal {
  const id = result.entry_id;
  switch (result.status) {
    case 'already_replayed':
      return {
        id,
        error: 'already_replayed',
        message: `already replayed as ${result.replayed_as}; replay again with force`,
        replayed_as: result.replayed_as,
      };
    case 'invalid':
      return {
        id,
        error: 'validation_failed',
        message: result.issues.map((i) => i.message).join('; '),
        issues: result.issues,
      };
    case 'busy':
      return {
        id,
        error: 'replay_in_progress',
        message: 'the entry is being replayed or discarded',
      };
    case 'not_replayable':
      return { id, error: 'not_replayable', message: result.message };
    default:
      return { id, error: 'not_found', message: 'no dead-letter entry with this id' };
  }
}
