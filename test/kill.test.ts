import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeadLetterEntry } from '../src/queue/dead-letter.ts';
import { getOrderStatus, type OrderStatus } from '../src/queue/order-status.ts';
import { valid, without } from './actions/orders.ts';
import { eventually } from './support/harness.ts';
import { enrollmentId, prepaidOrder } from './support/orders.ts';
import { type ProcessStage, startStage } from './support/worker-process.ts';

// Two worker processes, 4 jobs per queue each, answers 300 ms late, locks of 1 s.
const CONCURRENCY = 4;
const SIDE_EFFECTING = new Set(['create_customer_prepaid', 'equipment_purchase']);

let stage: ProcessStage;
beforeAll(async () => {
  stage = await startStage({
    WORKER_CONCURRENCY: String(CONCURRENCY),
    WORKER_LOCK_DURATION_MS: '1000',
    WORKER_STALLED_INTERVAL_MS: '1000',
  });
  stage.sandbox.setFaults({ latency_ms: 300 });
});
afterAll(async () => {
  await stage?.close();
});

interface Placed {
  action: string;
  enrollment: string;
  id: string;
}

/** 15 orders of each action: two side-effecting, two idempotent (handover without payment). */
function bodies(): Array<{ action: string; enrollment: string; body: unknown }> {
  return [
    'create_customer_prepaid',
    'equipment_purchase',
    'change_account_status',
    'handover_activation',
  ].flatMap((action) =>
    Array.from({ length: 15 }, () => {
      const enrollment = enrollmentId();
      const body =
        action === 'create_customer_prepaid'
          ? prepaidOrder(enrollment)
          : without(valid(action, { enrollment_id: enrollment }), 'agent_id', 'source');
      return { action, enrollment, body };
    }),
  );
}

describe('a worker killed mid-job', () => {
  it('leaves every order completed or dead-lettered, and no side effect twice', async () => {
    const [victim] = await Promise.all([stage.startWorker(), stage.startWorker()]);
    const planned = bodies();
    const results = await stage.service.producer.enqueueBatch(planned.map((p) => p.body));
    const placed: Placed[] = results.map((r, i) => {
      if (r.status !== 'accepted') throw new Error(`not accepted: ${JSON.stringify(r)}`);
      const { action, enrollment } = planned[i] as { action: string; enrollment: string };
      return { action, enrollment, id: r.id };
    });

    // More purchases have reached vCare than one worker may hold: both workers have purchase
    // calls in flight (answers take 300 ms). Kill one of them now.
    const sandbox = stage.sandbox;
    await eventually(
      async () => {
        const sent = sandbox.ledger().effects.filter((e) => e.action === 'equipment_purchase');
        return sent.length > CONCURRENCY ? true : undefined;
      },
      { what: 'both workers to be sending purchases', intervalMs: 5 },
    );
    expect(await victim?.stop('SIGKILL')).toBeNull();
    await stage.startWorker();

    const s = stage;
    const statuses = await eventually(
      async () => {
        const all = await Promise.all(
          placed.map((p) =>
            getOrderStatus(s.service.producer.queues.values(), s.service.deadLetters, p.id),
          ),
        );
        return all.every((x) => x?.state === 'completed' || x?.state === 'dead_lettered')
          ? (all as OrderStatus[])
          : undefined;
      },
      { what: 'every order to settle', timeoutMs: 40_000 },
    );

    const ledger = sandbox.ledger();
    const callsOf = (enrollment: string) =>
      ledger.calls.filter((c) => c.enrollment_id === enrollment).length;
    const effectsOf = (p: Placed) =>
      ledger.effects.find((e) => e.action === p.action && e.enrollment_id === p.enrollment)
        ?.count ?? 0;
    const unknown: Placed[] = [];
    for (const [i, p] of placed.entries()) {
      const status = statuses[i] as OrderStatus;
      if (!SIDE_EFFECTING.has(p.action)) {
        expect(status.state, `${p.action} ${p.enrollment}`).toBe('completed');
        continue;
      }
      // Never sent twice, never applied twice.
      expect(callsOf(p.enrollment), `${p.action} ${p.enrollment}`).toBeLessThanOrEqual(1);
      expect(effectsOf(p), `${p.action} ${p.enrollment}`).toBeLessThanOrEqual(1);
      if (status.state === 'completed') {
        expect(effectsOf(p)).toBe(1);
        continue;
      }
      // Dead-lettered: only because the killed worker may have sent it.
      const entry = await stage.service.deadLetters.getJob(status.dead_letter_id as string);
      expect(entry?.data as DeadLetterEntry).toMatchObject({
        reason: 'outcome_unknown',
        error: { cause: 'stalled_while_sending' },
      });
      unknown.push(p);
    }
    // The kill did hit purchases in flight, and each of them is waiting for an operator.
    expect(unknown.filter((p) => p.action === 'equipment_purchase').length).toBeGreaterThan(0);
    expect(unknown.length).toBeLessThanOrEqual(2 * CONCURRENCY);
  });
});
