import { setTimeout as delay } from 'node:timers/promises';
import { Job } from 'bullmq';
import type { OrderBody } from '../../src/actions/action.ts';
import { findAction } from '../../src/actions/registry.ts';
import type { DeadLetterEntry } from '../../src/queue/dead-letter.ts';
import { deadLetterId } from '../../src/queue/names.ts';
import type { OrderStatus } from '../../src/queue/order-status.ts';
import type { Ledger } from '../../src/sandbox/sandbox.ts';
import type { PlannedOrder } from './order-plan.ts';
import type { Ack, IntakeRecord } from './producer.ts';
import { effectCounts } from './sandbox-control.ts';
import type { RedisKillCheck } from './scenario.ts';
import type { QueueView } from './settle.ts';

export interface Verification {
  accepted: number;
  rejected_invalid: number;
  completed: number;
  dead_lettered: Record<string, number>;
  /** Accepted, and neither completed nor dead-lettered (outside the everysec window). */
  lost: number;
  lost_detail: { not_found: number; not_final: number };
  duplicate_side_effects: number;
  unflagged_duplicates: number;
  /** Lost orders acknowledged in the last second before the Redis SIGKILL. */
  lost_in_last_second_before_redis_kill: number;
  /** Order jobs written to by the commands an emulated host crash cut from the AOF. */
  jobs_in_lost_redis_window: number;
  /**
   * Unflagged doubles of orders whose job state an emulated host crash (`--power-loss`,
   * everysec) cut from the AOF: the service could not know it had sent them.
   */
  duplicates_from_lost_redis_window: number;
  /** Resubmissions with another body that were accepted (a key whose order a crash took excepted). */
  conflicts_accepted: number;
  invalid_not_rejected: number;
  invalid_reached_vcare: number;
  completed_without_effect: number;
  /** Every dead-letter entry written during the run, replayed ones included, by reason and cause. */
  dead_letter_entries: Record<string, Record<string, number>>;
}

type Step = { queue: string; id: string };

/**
 * The run's verdict, from three sources: the API (each accepted order's state, following
 * replays to the newest order), Redis (dead-letter entries, job logs and stall counts) and the
 * sandbox ledger (side effects vCare applied).
 */
export async function verify(input: {
  apiUrl: string;
  apiKey: string;
  view: QueueView;
  plan: readonly PlannedOrder[];
  intake: IntakeRecord;
  ledger: Ledger;
  redisKill: RedisKillCheck | undefined;
  /** With `always`, a loss in the last second before the kill is a loss like any other. */
  windowExcused: boolean;
}): Promise<Verification> {
  const { view, plan, intake } = input;
  const effects = effectCounts(input.ledger);
  const byN = new Map(plan.map((o) => [o.n, o]));
  const accepted = [...intake.acks.entries()].filter(([n]) => byN.get(n)?.valid);

  const statuses = await mapLimit(accepted, 24, async ([, ack]) => orderStatus(input, ack.id));
  const deadLettered: Record<string, number> = {};
  let completed = 0;
  let completedWithoutEffect = 0;
  const lostAcks: Ack[] = [];
  let notFound = 0;
  for (const [i, [n, ack]] of accepted.entries()) {
    const order = byN.get(n) as PlannedOrder;
    const status = statuses[i];
    const final = status?.latest ?? status;
    if (final?.state === 'completed') {
      completed++;
      if ((effects.get(`${order.action}\n${order.enrollment}`) ?? 0) === 0)
        completedWithoutEffect++;
    } else if (final?.state === 'dead_lettered' && final.dead_letter_id) {
      const entry = await view.deadLetters.getJob(final.dead_letter_id);
      const reason = (entry?.data as DeadLetterEntry | undefined)?.reason ?? 'unknown';
      deadLettered[reason] = (deadLettered[reason] ?? 0) + 1;
    } else {
      if (!status) notFound++;
      lostAcks.push(ack);
    }
  }
  const kill = input.redisKill;
  const lostJobs = new Set(kill?.lostJobs ?? []);
  const missingAfterRestart = new Set(kill?.missingIds ?? []);
  // Taken by the Redis kill: after an emulated host crash, exactly the orders whose job the
  // cut AOF commands wrote; after a SIGKILL, those answered in the last second before it.
  const inWindow = (a: Ack) =>
    kill === undefined
      ? false
      : kill.powerLoss
        ? lostJobs.has(`${a.queue}:${a.id}`)
        : a.at >= kill.windowFrom && a.at <= kill.windowTo;
  const lostInWindow = lostAcks.filter(inWindow).length;
  // A key whose order a crash took is free again: another body under it is then accepted.
  const conflictsAccepted = intake.conflicts.accepted.filter((n) => {
    const ack = intake.acks.get(n);
    return !(input.windowExcused && ack && inWindow(ack) && missingAfterRestart.has(ack.id));
  }).length;

  let duplicates = 0;
  let unflagged = 0;
  let unflaggedInWindow = 0;
  const byEnrollment = new Map(plan.map((o) => [o.enrollment, o]));
  for (const effect of input.ledger.effects) {
    if (effect.count <= 1) continue;
    duplicates++;
    const order = byEnrollment.get(effect.enrollment_id);
    const ack = order ? intake.acks.get(order.n) : undefined;
    if (order && ack && (await flagged(view, order, { queue: ack.queue, id: ack.id }))) continue;
    // After a host crash, work whose record the crash took is redone: a double the service
    // could not know of. Excused only for an emulated crash with everysec, and only when a
    // command cut from the AOF wrote to this order's job.
    const job = ack ? `${ack.queue}:${ack.id}` : undefined;
    const redone = job !== undefined && [...lostJobs].some((j) => j.startsWith(job));
    if (redone && input.windowExcused) unflaggedInWindow++;
    else unflagged++;
  }

  const invalid = plan.filter((o) => !o.valid);
  const invalidEnrollments = new Set(invalid.map((o) => o.enrollment));
  const reached = new Set(
    input.ledger.calls
      .filter((c) => c.enrollment_id && invalidEnrollments.has(c.enrollment_id))
      .map((c) => c.enrollment_id),
  );
  return {
    accepted: accepted.length,
    rejected_invalid: invalid.filter((o) => intake.rejected.has(o.n)).length,
    completed,
    dead_lettered: deadLettered,
    lost: lostAcks.length - (input.windowExcused ? lostInWindow : 0),
    lost_detail: { not_found: notFound, not_final: lostAcks.length - notFound },
    duplicate_side_effects: duplicates,
    unflagged_duplicates: unflagged,
    lost_in_last_second_before_redis_kill: lostInWindow,
    jobs_in_lost_redis_window: lostJobs.size,
    duplicates_from_lost_redis_window: unflaggedInWindow,
    conflicts_accepted: conflictsAccepted,
    invalid_not_rejected: invalid.filter((o) => !intake.rejected.has(o.n)).length,
    invalid_reached_vcare: reached.size,
    completed_without_effect: completedWithoutEffect,
    dead_letter_entries: await entryReasons(view),
  };
}

/** `GET /v1/orders/:id` as the producer asks it; undefined for a 404. */
async function orderStatus(
  input: { apiUrl: string; apiKey: string },
  id: string,
): Promise<OrderStatus | undefined> {
  for (let tries = 0; ; tries++) {
    try {
      const response = await fetch(`${input.apiUrl}/v1/orders/${encodeURIComponent(id)}`, {
        headers: { authorization: `Bearer ${input.apiKey}` },
      });
      if (response.status === 404) return undefined;
      if (response.ok) return (await response.json()) as OrderStatus;
    } catch (error) {
      if (tries >= 5) throw error;
    }
    if (tries >= 5) throw new Error(`GET /v1/orders/${id} keeps failing`);
    await delay(200);
  }
}

/**
 * Whether a double effect of this order is one the service flagged as an unknown outcome:
 * a dead-letter entry `outcome_unknown` in its replay chain, or, for an idempotent action
 * (retried by design after an unknown outcome), an attempt logged as `unknown-outcome` or a
 * rerun after a stall (a stalled job is an unknown outcome).
 */
async function flagged(view: QueueView, order: PlannedOrder, first: Step): Promise<boolean> {
  const idempotent =
    findAction(order.action)?.idempotency(order.body as OrderBody) === 'idempotent';
  let step: Step | undefined = first;
  for (let hop = 0; step && hop < 20; hop++) {
    const queue = view.orders.get(step.queue);
    if (!queue) return false;
    const entryJob = await view.deadLetters.getJob(deadLetterId(step.queue, step.id));
    const entry = entryJob?.data as (DeadLetterEntry & { replayed_as?: string }) | undefined;
    if (entry?.reason === 'outcome_unknown') return true;
    if (idempotent) {
      const job = await Job.fromId(queue, step.id);
      if ((job?.stalledCounter ?? 0) > 0) return true;
      const { logs } = await queue.getJobLogs(step.id);
      const records = [...logs, ...(entry?.attempts ?? []).map((a) => JSON.stringify(a))];
      if (records.some((line) => line.includes('"unknown-outcome"'))) return true;
    }
    step = entry?.replayed_as ? { queue: step.queue, id: entry.replayed_as } : undefined;
  }
  return false;
}

async function entryReasons(view: QueueView): Promise<Record<string, Record<string, number>>> {
  const reasons: Record<string, Record<string, number>> = {};
  // getJobs pages each state on its own: one state at a time.
  for (const state of ['failed', 'completed', 'waiting', 'active', 'delayed'] as const) {
    for (let start = 0; ; start += 500) {
      const jobs = await view.deadLetters.getJobs([state], start, start + 499, true);
      for (const job of jobs) {
        const { reason, error } = job.data as DeadLetterEntry;
        const causes = reasons[reason] ?? {};
        causes[error.cause] = (causes[error.cause] ?? 0) + 1;
        reasons[reason] = causes;
      }
      if (jobs.length < 500) break;
    }
  }
  return reasons;
}

async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  });
  await Promise.all(lanes);
  return results;
}
