import { randomUUID } from 'node:crypto';
import type { ParentOptions, Queue } from 'bullmq';
import type { ActionDefinition } from '../actions/action.ts';
import { findAction } from '../actions/registry.ts';
import { type FieldIssue, validateOrder } from '../actions/validate.ts';
import type { Cipher } from '../security/cipher.ts';
import { missingScrubbedFields } from '../security/scrub.ts';
import { decryptFields, encryptFields, sealedSecretsIssue } from '../security/secret-fields.ts';
import { appendAudit, auditKey } from './audit-log.ts';
import { cancelChainAfter, chainAttachment } from './chain-replay.ts';
import { type DeadLetterRef, getDeadLetter, type ReplayRecord } from './dead-letter-store.ts';
import { type OrderJobData, type OrderMeta, orderJobDataSchema } from './job-data.ts';
import { orderJobOptions } from './producer.ts';
import type { RedisClient } from './redis.ts';
import type { RetryPolicy } from './retry-policy.ts';
import { policyFor } from './retry-policy.ts';

/** What replay and discard need; every door (Bull Board worker, ops API, CLI) passes the same. */
export interface DeadLetterOpsDeps {
  /** Order queues by name: a replay is added to its entry's source queue. */
  queues: ReadonlyMap<string, Queue>;
  deadLetters: Queue;
  /** For the audit stream and the per-entry replay lock. */
  redis: RedisClient;
  cipher: Cipher;
  /** Attempts and backoff of the new order (the producer's). */
  retry: RetryPolicy;
  /** Clock the patched order is validated against (card expiry). @defaultValue real clock */
  now?: () => Date;
  /** Told after each replay (metrics). */
  onReplayed?: (queue: string) => void;
}

export interface ReplayOptions {
  /** Top-level order fields to set before the order is validated and queued again. */
  patch?: Record<string, unknown>;
  /** Replay even though the entry was replayed before. */
  force?: boolean;
  /** Who asks: the admin user, or `bull-board`. Recorded in the audit. */
  actor: string;
  /** Run every check, queue nothing, record nothing. */
  dryRun?: boolean;
}

export type ReplayResult =
  | { status: 'replayed'; entry_id: string; replayed_as: string; queue: string; fields: string[] }
  | { status: 'would_replay'; entry_id: string; queue: string; fields: string[] }
  | { status: 'not_found'; entry_id: string }
  | { status: 'already_replayed'; entry_id: string; replayed_as: string }
  | { status: 'invalid'; entry_id: string; issues: FieldIssue[] }
  | { status: 'busy'; entry_id: string }
  | { status: 'not_replayable'; entry_id: string; message: string };

export type DiscardResult = {
  status: 'discarded' | 'not_found' | 'busy';
  entry_id: string;
  /** Order chain steps cancelled because this one was discarded (see chain-replay.ts). */
  cancelled?: string[];
};

/**
 * Queues a dead-lettered order again as a NEW job in its source queue: id
 * `<source job id>-r<n>` (BullMQ ignores an add whose id exists, so never the original's),
 * the producer's fresh attempts and backoff, `meta.replay_of` = the entry. The order is
 * decrypted, patched, validated with its action's schema, and its secret fields (patched
 * ones too) encrypted again. The entry gets `replayed_as` and a `replays` record, and the
 * audit stream a record with the patched field names. An entry replayed before is refused
 * unless `force`. A crash after the add and before the entry update is healed by the next
 * replay of the entry, which finds its own job under the same id instead of adding another.
 * The replay of an order chain step takes the failed run's place as the child the next step
 * waits on, so the chain resumes when it completes (chain-replay.ts).
 */
export async function replayDeadLetter(
  deps: DeadLetterOpsDeps,
  entryId: string,
  options: ReplayOptions,
): Promise<ReplayResult> {
  const unlock = options.dryRun ? async () => {} : await lock(deps, entryId);
  if (!unlock) return { status: 'busy', entry_id: entryId };
  try {
    const ref = await getDeadLetter(deps.deadLetters, entryId);
    if (!ref) return { status: 'not_found', entry_id: entryId };
    const { entry } = ref;
    if (entry.replayed_as && !options.force) {
      return { status: 'already_replayed', entry_id: entryId, replayed_as: entry.replayed_as };
    }
    const prepared = prepare(deps, ref, options.patch ?? {});
    if ('status' in prepared) return prepared;
    const { queue, action, data, fields } = prepared;
    // A step of an order chain: the replay must take the failed run's place in the chain.
    const chained = await chainAttachment(deps.queues, ref);
    if (chained.kind === 'refused')
      return { status: 'not_replayable', entry_id: entryId, message: chained.message };
    if (options.dryRun)
      return { status: 'would_replay', entry_id: entryId, queue: queue.name, fields };

    const parent = chained.kind === 'attach' ? chained.parent : undefined;
    const replayedAs = await addReplay(queue, action, ref, data, deps.retry, parent);
    // Only now: until the replay is the next step's child, the failed run must hold it.
    if (chained.kind === 'attach') await chained.detach?.removeChildDependency();
    const record: ReplayRecord = {
      at: new Date().toISOString(),
      actor: options.actor,
      replayed_as: replayedAs,
      fields,
      forced: Boolean(entry.replayed_as),
    };
    await ref.job.updateData({
      ...(ref.job.data as object),
      replayed_as: replayedAs,
      replays: [...(entry.replays ?? []), record],
    });
    await appendAudit(deps.redis, auditKeyOf(deps), {
      at: record.at,
      actor: record.actor,
      op: 'replay',
      entry_id: entryId,
      fields,
      replayed_as: replayedAs,
      ...(record.forced && { forced: true }),
    });
    deps.onReplayed?.(queue.name);
    return {
      status: 'replayed',
      entry_id: entryId,
      replayed_as: replayedAs,
      queue: queue.name,
      fields,
    };
  } finally {
    await unlock();
  }
}

/**
 * Removes an entry for good (the operator settled the order some other way) and audits it.
 * The audit record is written first: a record of a discard that a crash then cut short is
 * better than a discard nobody recorded. Discarding a step of an order chain cancels the
 * steps after it (`cancelled`), unless the entry was replayed.
 */
export async function discardDeadLetter(
  deps: DeadLetterOpsDeps,
  entryId: string,
  actor: string,
): Promise<DiscardResult> {
  const unlock = await lock(deps, entryId);
  if (!unlock) return { status: 'busy', entry_id: entryId };
  try {
    const ref = await getDeadLetter(deps.deadLetters, entryId);
    if (!ref) return { status: 'not_found', entry_id: entryId };
    if (ref.state === 'active') return { status: 'busy', entry_id: entryId };
    await appendAudit(deps.redis, auditKeyOf(deps), {
      at: new Date().toISOString(),
      actor,
      op: 'discard',
      entry_id: entryId,
      fields: [],
    });
    const cancelled = await cancelChainAfter(deps.queues, ref);
    await ref.job.remove();
    return { status: 'discarded', entry_id: entryId, ...(cancelled.length > 0 && { cancelled }) };
  } finally {
    await unlock();
  }
}

/** The audit stream beside the dead-letter queue's keys. */
export function auditKeyOf(deps: Pick<DeadLetterOpsDeps, 'deadLetters'>): string {
  return auditKey(deps.deadLetters.opts.prefix ?? 'bull');
}

interface Prepared {
  queue: Queue;
  action: ActionDefinition;
  data: OrderJobData;
  fields: string[];
}

function prepare(
  deps: DeadLetterOpsDeps,
  ref: DeadLetterRef,
  patch: Record<string, unknown>,
): Prepared | Exclude<ReplayResult, { status: 'replayed' | 'would_replay' }> {
  const entryId = ref.job.id as string;
  const { entry } = ref;
  const queue = deps.queues.get(entry.source_queue);
  const action = findAction(entry.action);
  const payload = orderJobDataSchema.safeParse(entry.payload);
  if (!(queue && action && payload.success)) {
    const message = !queue
      ? `source queue ${entry.source_queue} is not an order queue`
      : !action
        ? `no vCare action named ${entry.action}`
        : 'the entry payload is not an order envelope';
    return { status: 'not_replayable', entry_id: entryId, message };
  }
  if ('action' in patch) {
    const issue = { path: 'action', message: 'action cannot be changed by a replay' };
    return { status: 'invalid', entry_id: entryId, issues: [issue] };
  }
  const reserved = sealedSecretsIssue(patch);
  if (reserved) return { status: 'invalid', entry_id: entryId, issues: [reserved] };
  // Secrets removed after the retention period must come back in the patch.
  const missing = missingScrubbedFields(payload.data.order, patch);
  if (missing.length > 0) {
    const issues = missing.map((path) => ({
      path,
      message: `${path} was scrubbed after the secret retention period; supply it in the patch`,
    }));
    return { status: 'invalid', entry_id: entryId, issues };
  }
  let plain: Record<string, unknown>;
  try {
    plain = decryptFields(payload.data.order, action.secretFields, deps.cipher);
  } catch {
    const message = 'secret fields cannot be decrypted (unknown DATA_KEY or tampered data)';
    return { status: 'not_replayable', entry_id: entryId, message };
  }
  // validateOrder judges with `action.schemaAt(now)` when the action has one.
  const checked = validateOrder({ ...plain, ...patch, action: action.name }, deps.now?.());
  if (!checked.ok) return { status: 'invalid', entry_id: entryId, issues: checked.issues };
  // A submission's dedupe marks and scrub stamp belong to the original job, not to the replay.
  const {
    body_hash: _hash,
    nonce: _nonce,
    secrets_scrubbed_at: _scrubbed,
    ...meta
  } = payload.data.meta as OrderMeta & { secrets_scrubbed_at?: unknown };
  return {
    queue,
    action,
    data: {
      order: encryptFields(checked.order, action.secretFields, deps.cipher),
      meta: { ...meta, replay_of: entryId },
    },
    fields: Object.keys(patch).sort(),
  };
}

/** Adds the replay under the entry's next free `-r<n>` id, or adopts its own earlier add. */
async function addReplay(
  queue: Queue,
  action: ActionDefinition,
  ref: DeadLetterRef,
  data: OrderJobData,
  retry: RetryPolicy,
  /** The waiting next step of an order chain, which the replay becomes a child of. */
  parent?: ParentOptions,
): Promise<string> {
  const entryId = ref.job.id as string;
  const recorded = new Set((ref.entry.replays ?? []).map((r) => r.replayed_as));
  for (let n = recorded.size + 1; ; n += 1) {
    const id = `${ref.entry.source_job_id}-r${n}`;
    const existing = await queue.getJob(id);
    if (!existing) {
      const opts = orderJobOptions(id, policyFor(retry, action.queue));
      await queue.add(action.name, data, parent ? { ...opts, parent } : opts);
      return id;
    }
    const replayOf = (existing.data as { meta?: { replay_of?: unknown } }).meta?.replay_of;
    if (replayOf === entryId && !recorded.has(id)) return id;
  }
}

const LOCK_MS = 60_000;

/** One replay or discard of an entry at a time, across every process and door. */
async function lock(
  deps: DeadLetterOpsDeps,
  entryId: string,
): Promise<(() => Promise<void>) | undefined> {
  const key = `${deps.deadLetters.opts.prefix ?? 'bull'}:replay-lock:${entryId}`;
  const token = randomUUID();
  const ok = await deps.redis.set(key, token, 'PX', LOCK_MS, 'NX');
  if (ok !== 'OK') return undefined;
  return async () => {
    await deps.redis.eval(
      "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0",
      1,
      key,
      token,
    );
  };
}
