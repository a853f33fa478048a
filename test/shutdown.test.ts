import { afterEach, describe, expect, it } from 'vitest';
import type { DeadLetterEntry } from '../src/queue/dead-letter.ts';
import { getOrderStatus, type OrderStatus } from '../src/queue/order-status.ts';
import { valid, without } from './actions/orders.ts';
import { eventually } from './support/harness.ts';
import { enrollmentId, prepaidOrder } from './support/orders.ts';
import { type ProcessStage, startStage } from './support/worker-process.ts';

let stage: ProcessStage | undefined;
afterEach(async () => {
  await stage?.close();
  stage = undefined;
});

function purchase(enrollment: string): Record<string, unknown> {
  return without(valid('equipment_purchase', { enrollment_id: enrollment }), 'agent_id', 'source');
}

function statusChange(enrollment: string): Record<string, unknown> {
  return without(
    valid('change_account_status', { enrollment_id: enrollment }),
    'agent_id',
    'source',
  );
}

async function enqueue(s: ProcessStage, bodies: unknown[]): Promise<string[]> {
  const results = await s.service.producer.enqueueBatch(bodies);
  return results.map((r) => {
    if (r.status !== 'accepted') throw new Error(`not accepted: ${JSON.stringify(r)}`);
    return r.id;
  });
}

function status(s: ProcessStage, id: string): Promise<OrderStatus | undefined> {
  return getOrderStatus(s.service.producer.queues.values(), s.service.deadLetters, id);
}

describe('worker shutdown', () => {
  it('lets the jobs in flight finish on SIGTERM, then exits 0', async () => {
    stage = await startStage();
    stage.sandbox.setFaults({ latency_ms: 500 });
    const worker = await stage.startWorker();
    const enrollments = [1, 2, 3].map(() => enrollmentId());
    const ids = await enqueue(stage, [
      ...enrollments.map((e) => prepaidOrder(e)),
      ...enrollments.map((e) => statusChange(e)),
    ]);
    // Every request has reached the sandbox, whose answers take 500 ms: all six are in flight.
    const sandbox = stage.sandbox;
    await eventually(async () => (sandbox.ledger().effects.length === 6 ? true : undefined), {
      what: 'six requests in flight',
    });
    expect(await worker.stop('SIGTERM')).toBe(0);
    const states = await Promise.all(
      ids.map(async (id) => (await status(stage as ProcessStage, id))?.state),
    );
    expect(states).toEqual(ids.map(() => 'completed'));
    for (const enrollment of enrollments) {
      const calls = sandbox.ledger().calls.filter((c) => c.enrollment_id === enrollment);
      expect(calls.map((c) => c.http_status)).toEqual([200, 200]);
    }
  });

  it('exits 0 past SHUTDOWN_GRACE_MS, and the purchase it abandoned mid-call is dead-lettered outcome_unknown, not resent', async () => {
    stage = await startStage({
      VCARE_TIMEOUT_MS: '30000',
      SHUTDOWN_GRACE_MS: '200',
      WORKER_LOCK_DURATION_MS: '1000',
      WORKER_STALLED_INTERVAL_MS: '1000',
    });
    const first = await stage.startWorker();
    // SLOW: the sandbox applies nothing and holds the call unanswered; the client waits 30 s.
    const enrollment = enrollmentId('SLOW');
    const [id] = await enqueue(stage, [purchase(enrollment)]);
    const sandbox = stage.sandbox;
    await eventually(
      async () =>
        sandbox.ledger().calls.some((c) => c.enrollment_id === enrollment) ? true : undefined,
      { what: 'the purchase to reach the sandbox' },
    );
    expect(await first.stop('SIGTERM')).toBe(0);
    expect(first.output()).toContain('leaving them to stalled-job recovery');
    expect((await status(stage, id as string))?.state).toBe('active');

    // Another worker finds the job stalled, with the mark of an attempt that was sending.
    await stage.startWorker();
    const s = stage;
    const settled = await eventually(
      async () => {
        const current = await status(s, id as string);
        return current?.state === 'dead_lettered' ? current : undefined;
      },
      { what: 'the abandoned purchase to be dead-lettered' },
    );
    const entry = await stage.service.deadLetters.getJob(settled.dead_letter_id as string);
    expect(entry?.data as DeadLetterEntry).toMatchObject({
      reason: 'outcome_unknown',
      error: { class: 'unknown-outcome', cause: 'stalled_while_sending' },
    });
    expect(sandbox.ledger().calls.filter((c) => c.enrollment_id === enrollment)).toHaveLength(1);
  });
  it('dead-letters an order that stalled more than WORKER_MAX_STALLS times, naming the stalls', async () => {
    stage = await startStage({
      VCARE_TIMEOUT_MS: '30000',
      SHUTDOWN_GRACE_MS: '200',
      WORKER_LOCK_DURATION_MS: '1000',
      WORKER_STALLED_INTERVAL_MS: '1000',
      WORKER_MAX_STALLS: '0',
    });
    const first = await stage.startWorker();
    // Idempotent, so no sending mark: only the stall bound stops it.
    const enrollment = enrollmentId('SLOW');
    const [id] = await enqueue(stage, [statusChange(enrollment)]);
    const sandbox = stage.sandbox;
    await eventually(
      async () =>
        sandbox.ledger().calls.some((c) => c.enrollment_id === enrollment) ? true : undefined,
      { what: 'the status change to reach the sandbox' },
    );
    expect(await first.stop('SIGTERM')).toBe(0);
    await stage.startWorker();
    const s = stage;
    const settled = await eventually(
      async () => {
        const current = await status(s, id as string);
        return current?.state === 'dead_lettered' ? current : undefined;
      },
      { what: 'the stalled order to be dead-lettered' },
    );
    const entry = await stage.service.deadLetters.getJob(settled.dead_letter_id as string);
    expect(entry?.data as DeadLetterEntry).toMatchObject({
      reason: 'attempts_exhausted',
      error: { class: 'stalled', cause: 'stalled_too_often' },
    });
    expect(sandbox.ledger().calls.filter((c) => c.enrollment_id === enrollment)).toHaveLength(1);
  });
});
