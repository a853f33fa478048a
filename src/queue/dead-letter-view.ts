import { findAction } from '../actions/registry.ts';
import type { Cipher } from '../security/cipher.ts';
import { maskSecrets } from '../security/redact.ts';
import type { AuditRecord } from './audit-log.ts';
import type { DeadLetterRef, ReplayRecord } from './dead-letter-store.ts';

/** A line of `GET /v1/dead-letters` and `vcare-orders dlq list`. */
export interface DeadLetterSummary {
  id: string;
  /** BullMQ state of the entry: `failed` (parked), `completed` (replayed from Bull Board), `waiting`/`active` (being replayed). */
  state: string;
  source_queue: string;
  source_job_id: string;
  action: string;
  enrollment_id: string;
  reason: string;
  msg_code: string | null;
  msg: string | null;
  attempt_count: number;
  first_seen_at: string;
  dead_lettered_at: string;
  replayed_as: string | null;
}

/** `GET /v1/dead-letters/:id` and `dlq show`: the whole entry, secrets masked. */
export interface DeadLetterDetail extends DeadLetterSummary {
  /** Why Bull Board shows the entry failed (its last run's reason). */
  failed_reason: string | null;
  error: Record<string, unknown>;
  attempts: Record<string, unknown>[];
  /** The order as it would be replayed: secret fields masked (`[redacted]`, cards `•••• 1111`). */
  payload: { order: Record<string, unknown>; meta: Record<string, unknown> };
  replays: ReplayRecord[];
  /** Audit records of this entry, newest first. */
  audit: AuditRecord[];
}

export function summarize(ref: DeadLetterRef): DeadLetterSummary {
  const { entry } = ref;
  return {
    id: ref.job.id as string,
    state: ref.state,
    source_queue: entry.source_queue,
    source_job_id: entry.source_job_id,
    action: entry.action,
    enrollment_id: entry.enrollment_id,
    reason: entry.reason,
    msg_code: entry.error.msg_code ?? null,
    msg: entry.error.msg ?? null,
    attempt_count: entry.attempts.length,
    first_seen_at: entry.first_seen_at,
    dead_lettered_at: entry.dead_lettered_at,
    replayed_as: entry.replayed_as ?? null,
  };
}

/**
 * The detail view. Secret fields are masked by the one masking rule, never shown decrypted;
 * an entry of an unknown action shows no order fields at all rather than guess which are secret.
 */
export function detail(ref: DeadLetterRef, cipher: Cipher, audit: AuditRecord[]): DeadLetterDetail {
  const { entry } = ref;
  const action = findAction(entry.action);
  const order = entry.payload.order as Record<string, unknown>;
  return {
    ...summarize(ref),
    failed_reason: ref.job.failedReason || null,
    error: { ...entry.error },
    attempts: entry.attempts as unknown as Record<string, unknown>[],
    payload: {
      order: action ? maskSecrets(order, action.secretFields, cipher) : {},
      meta: publicMeta(entry.payload.meta as Record<string, unknown>),
    },
    replays: entry.replays ?? [],
    audit,
  };
}

/** The body hash is keyed, but still derived from secrets: it stays inside. */
function publicMeta(meta: Record<string, unknown>): Record<string, unknown> {
  const { body_hash: _hash, nonce: _nonce, ...rest } = meta;
  return rest;
}
