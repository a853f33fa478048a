import { setTimeout as delay } from 'node:timers/promises';
import type { Body, PlannedOrder, Request, Resubmission } from './order-plan.ts';

/** The service's first acknowledgement of an order (202, or 200/duplicate on a retry). */
export interface Ack {
  id: string;
  queue: string;
  /** ms since epoch the answer arrived. */
  at: number;
  /** `duplicate`: a retry found the order queued by an attempt whose answer was lost. */
  as: 'accepted' | 'duplicate';
}

/** What the producer saw; the chaos run checks the service against it. */
export interface IntakeRecord {
  acks: Map<number, Ack>;
  /** Orders answered 400 (or a batch item `validation_failed`). */
  rejected: Set<number>;
  /** Valid orders answered otherwise than with an id (should stay empty). */
  refusedValid: { n: number; answer: string }[];
  /** Orders never answered (past the producer's deadline). */
  unanswered: Set<number>;
  /** Requests sent again after no answer or a 5xx. */
  retries: number;
  repeats: { sameId: number; otherId: number };
  /** `accepted`: the orders whose key took another body (should stay empty). */
  conflicts: { refused: number; accepted: number[] };
}

export interface ProducerOptions {
  apiUrl: string;
  apiKey: string;
  /** Orders per second the requests are paced at. */
  ratePerS: number;
  /** Requests in flight at most. */
  concurrency: number;
  /** How long one request is retried before the order counts as unanswered. */
  giveUpMs: number;
}

type Answer = { status: number; json: unknown } | undefined;

type Outcome =
  | { kind: 'id'; id: string; queue: string; duplicate: boolean }
  | { kind: 'invalid' | 'other'; answer: string };

/** A batch item (or a single answer's body) as an outcome. */
function outcomeOf(item: Record<string, unknown> | undefined, status: number): Outcome {
  if (typeof item?.id === 'string' && item.error === undefined) {
    return {
      kind: 'id',
      id: item.id,
      queue: String(item.queue),
      duplicate: item.duplicate === true,
    };
  }
  const answer = `${status} ${JSON.stringify(item)}`;
  return { kind: item?.error === 'validation_failed' ? 'invalid' : 'other', answer };
}

/** An empty record for `produce` to fill. */
export function newIntakeRecord(): IntakeRecord {
  return {
    acks: new Map(),
    rejected: new Set(),
    refusedValid: [],
    unanswered: new Set(),
    retries: 0,
    repeats: { sameId: 0, otherId: 0 },
    conflicts: { refused: 0, accepted: [] },
  };
}

/**
 * Sends the planned requests at a steady pace, as an upstream would: a request that got no
 * answer (connection refused or reset) or a 5xx is sent again, same idempotency keys, until
 * it is answered. Resubmissions wait for their order's first answer. Fills `record` as the
 * answers come in (the chaos scenario reads it while the run goes on).
 */
export async function produce(
  requests: Request[],
  options: ProducerOptions,
  record: IntakeRecord,
): Promise<void> {
  const answered = new Map<number, Promise<void>>();
  const settle = new Map<number, () => void>();
  for (const request of requests) {
    const orders =
      request.kind === 'single' ? [request.order] : request.kind === 'batch' ? request.orders : [];
    for (const order of orders) {
      answered.set(order.n, new Promise((resolve) => settle.set(order.n, resolve)));
    }
  }

  async function post(path: string, body: unknown, key?: string): Promise<Answer> {
    const deadline = Date.now() + options.giveUpMs;
    for (let tries = 0; ; tries++) {
      if (tries > 0) record.retries++;
      try {
        const response = await fetch(`${options.apiUrl}${path}`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${options.apiKey}`,
            'content-type': 'application/json',
            ...(key && { 'idempotency-key': key }),
          },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(20_000),
        });
        const json: unknown = await response.json().catch(() => undefined);
        if (response.status < 500 && response.status !== 429)
          return { status: response.status, json };
      } catch {
        // No answer: the API is down or was killed mid-request. Same keys again.
      }
      if (Date.now() > deadline) return undefined;
      await delay(150 + Math.random() * 250);
    }
  }

  /** One order's answer: an id (queued now or before), a validation refusal, or anything else. */
  function note(order: PlannedOrder, outcome: Outcome): void {
    if (outcome.kind === 'id') {
      if (!record.acks.has(order.n)) {
        const { id, queue, duplicate } = outcome;
        record.acks.set(order.n, {
          id,
          queue,
          at: Date.now(),
          as: duplicate ? 'duplicate' : 'accepted',
        });
      }
      return;
    }
    if (outcome.kind === 'invalid') record.rejected.add(order.n);
    if (order.valid) record.refusedValid.push({ n: order.n, answer: outcome.answer });
  }

  async function single(order: PlannedOrder): Promise<void> {
    const answer = await post('/v1/orders', order.body, order.key);
    if (!answer) record.unanswered.add(order.n);
    else {
      const json = answer.json as Record<string, unknown> | undefined;
      const ok = (answer.status === 202 || answer.status === 200) && typeof json?.id === 'string';
      note(
        order,
        ok
          ? {
              kind: 'id',
              id: json.id as string,
              queue: String(json.queue),
              duplicate: answer.status === 200,
            }
          : outcomeOf(answer.status === 400 ? { error: 'validation_failed' } : json, answer.status),
      );
    }
    settle.get(order.n)?.();
  }

  async function batch(orders: PlannedOrder[]): Promise<void> {
    const bodies = orders.map((o) => ({ ...o.body, idempotency_key: o.key }));
    const answer = await post('/v1/orders/batch', bodies);
    const results = (answer?.json as { results?: Record<string, unknown>[] } | undefined)?.results;
    for (const [i, order] of orders.entries()) {
      const item = results?.find((r) => r.index === i);
      if (!answer || !item) record.unanswered.add(order.n);
      else note(order, outcomeOf(item, answer.status));
      settle.get(order.n)?.();
    }
  }

  async function resubmit(r: Resubmission): Promise<void> {
    await answered.get(r.of.n);
    const first = record.acks.get(r.of.n);
    if (!first) return;
    let item: Record<string, unknown> | undefined;
    if (r.channel === 'single') {
      item = (await post('/v1/orders', r.body, r.of.key))?.json as Record<string, unknown>;
    } else {
      const answer = await post('/v1/orders/batch', [{ ...r.body, idempotency_key: r.of.key }]);
      item = (answer?.json as { results?: Record<string, unknown>[] } | undefined)?.results?.[0];
    }
    if (r.kind === 'repeat') {
      if (item?.id === first.id && item.error === undefined) record.repeats.sameId++;
      else record.repeats.otherId++;
    } else if (item?.error === 'idempotency_conflict') record.conflicts.refused++;
    else record.conflicts.accepted.push(r.of.n);
  }

  const started = Date.now();
  let sentOrders = 0;
  const inFlight = new Set<Promise<void>>();
  for (const request of requests) {
    const at = started + (sentOrders / options.ratePerS) * 1000;
    if (at > Date.now()) await delay(at - Date.now());
    while (inFlight.size >= options.concurrency) await Promise.race(inFlight);
    const task =
      request.kind === 'single'
        ? single(request.order)
        : request.kind === 'batch'
          ? batch(request.orders)
          : resubmit(request.resubmission);
    sentOrders += request.kind === 'batch' ? request.orders.length : 1;
    const tracked = task.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
  }
  await Promise.all(inFlight);
}

export type { Body };
