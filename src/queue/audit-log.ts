import type { RedisClient } from './redis.ts';

/** What an operator did to a dead-letter entry. */
export type AuditOp = 'replay' | 'discard';

/**
 * One audit record: who did what to which entry, and when. Field *names* only: a patch's
 * values may be secrets (an SSN, a card) and never reach the audit.
 */
export interface AuditRecord {
  /** Redis stream id; orders the records. */
  id: string;
  at: string;
  actor: string;
  op: AuditOp;
  entry_id: string;
  /** Names of the fields a replay patched (empty for a replay as-is and for a discard). */
  fields: string[];
  /** The new order a replay created. */
  replayed_as?: string;
  /** A replay of an entry replayed before, allowed by `force`. */
  forced?: boolean;
}

/** Records kept in the stream; older ones are trimmed (approximately) as new ones arrive. */
const AUDIT_MAX_LEN = 100_000;

/** The audit stream of a queue prefix (its hash tag keeps it in the queues' Cluster slot). */
export function auditKey(prefix: string): string {
  return `${prefix}:audit`;
}

/** Appends one record to the capped audit stream; returns the record as stored. */
export async function appendAudit(
  redis: RedisClient,
  key: string,
  record: Omit<AuditRecord, 'id'>,
): Promise<AuditRecord> {
  const fields = [
    'at',
    record.at,
    'actor',
    record.actor,
    'op',
    record.op,
    'entry_id',
    record.entry_id,
    'fields',
    record.fields.join(','),
    ...(record.replayed_as ? ['replayed_as', record.replayed_as] : []),
    ...(record.forced ? ['forced', '1'] : []),
  ];
  const id = await redis.xadd(key, 'MAXLEN', '~', String(AUDIT_MAX_LEN), '*', ...fields);
  return { id: id as string, ...record };
}

/**
 * Newest records first, at most `limit`; with `entryId`, only that entry's among the newest
 * `scan` records (the stream is not indexed by entry: an ops view, not a query engine).
 */
export async function readAudit(
  redis: RedisClient,
  key: string,
  options: { entryId?: string; limit?: number; scan?: number } = {},
): Promise<AuditRecord[]> {
  const limit = options.limit ?? 100;
  const count = options.entryId ? (options.scan ?? 5_000) : limit;
  const rows = await redis.xrevrange(key, '+', '-', 'COUNT', count);
  const records = rows.map(([id, flat]) => toRecord(id, flat));
  const wanted = options.entryId ? records.filter((r) => r.entry_id === options.entryId) : records;
  return wanted.slice(0, limit);
}

function toRecord(id: string, flat: string[]): AuditRecord {
  const f = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) f.set(flat[i] as string, flat[i + 1] as string);
  const fields = f.get('fields') ?? '';
  const record: AuditRecord = {
    id,
    at: f.get('at') ?? '',
    actor: f.get('actor') ?? '',
    op: f.get('op') === 'discard' ? 'discard' : 'replay',
    entry_id: f.get('entry_id') ?? '',
    fields: fields ? fields.split(',') : [],
  };
  const replayedAs = f.get('replayed_as');
  if (replayedAs) record.replayed_as = replayedAs;
  if (f.get('forced') === '1') record.forced = true;
  return record;
}
