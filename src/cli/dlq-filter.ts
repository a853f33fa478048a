import { CliError } from './cli-error.ts';

/** Filter flags shared by `dlq list` and `dlq replay --all` (names as on the command line). */
export interface DlqFilterFlags {
  queue?: string;
  action?: string;
  msgCode?: string;
  reason?: string;
  since?: string;
}

/** The filter as the ops API takes it (`GET /v1/dead-letters` query, bulk replay `filter`). */
export interface DlqFilter {
  queue?: string;
  action?: string;
  msg_code?: string;
  reason?: string;
  /** ISO time. */
  since?: string;
}

export const REASONS = ['permanent_error', 'attempts_exhausted', 'outcome_unknown'] as const;

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Maps flags to the API's filter; `--since` takes an ISO time or an age such as `30m`, `2h`, `7d`. */
export function toFilter(flags: DlqFilterFlags, now = Date.now()): DlqFilter {
  const filter: DlqFilter = {};
  if (flags.queue) filter.queue = flags.queue;
  if (flags.action) filter.action = flags.action;
  if (flags.msgCode) filter.msg_code = flags.msgCode;
  if (flags.reason) filter.reason = flags.reason;
  if (flags.since) filter.since = sinceTime(flags.since, now);
  return filter;
}

function sinceTime(value: string, now: number): string {
  const age = /^(\d+)([smhd])$/.exec(value.trim());
  if (age) return new Date(now - Number(age[1]) * (UNIT_MS[age[2] as string] ?? 0)).toISOString();
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) {
    throw new CliError(`--since ${value}: use an ISO time or an age such as 30m, 2h, 7d`, 2);
  }
  return new Date(ms).toISOString();
}
