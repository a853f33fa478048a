import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerCall } from '../src/sandbox/sandbox.ts';
import { valid, without } from './actions/orders.ts';
import { eventually, type Harness, startHarness } from './support/harness.ts';
import { enrollmentId } from './support/orders.ts';

// 50 jobs in flight per queue; every answer takes 20 ms, so calls that overlapped would show.
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { WORKER_CONCURRENCY: '50' } });
  h.sandbox.setFaults({ latency_ms: 20 });
});
afterAll(async () => {
  await h?.close();
});

/** Idempotent actions of an existing enrollment, in two queues (status-change, activation). */
const ACTIONS = ['change_account_status', 'handover_activation'];

describe('one enrollment at a time', () => {
  it('never sends two calls of one enrollment to vCare at once, across queues, and waiting costs no attempt', async () => {
    const enrollments = Array.from({ length: 10 }, () => enrollmentId());
    const bodies = Array.from({ length: 100 }, (_, i) =>
      without(
        valid(ACTIONS[i % 2] as string, { enrollment_id: enrollments[i % 10] }),
        'agent_id',
        'source',
      ),
    );
    const results = await h.service.producer.enqueueBatch(bodies);
    const placed = results.map((r) => {
      if (r.status !== 'accepted') throw new Error(`not accepted: ${JSON.stringify(r)}`);
      return { id: r.id, queue: r.queue };
    });

    const queues = h.service.producer.queues;
    const fetchAll = () => Promise.all(placed.map((p) => queues.get(p.queue)?.getJob(p.id)));
    await eventually(
      async () => {
        const states = await Promise.all((await fetchAll()).map((job) => job?.getState()));
        return states.every((s) => s === 'completed') ? true : undefined;
      },
      { what: 'all 100 orders to complete', timeoutMs: 30_000, intervalMs: 100 },
    );
    // Read once all are completed: a job read before its state was would show its old counts.
    const jobs = (await fetchAll()) as Job[];

    // One call per order: nobody retried, nobody called twice.
    const calls = h.sandbox
      .ledger()
      .calls.filter((c) => enrollments.includes(c.enrollment_id ?? ''));
    expect(calls).toHaveLength(100);
    for (const enrollment of enrollments) {
      const own = calls
        .filter((c) => c.enrollment_id === enrollment)
        .sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
      expect(own).toHaveLength(10);
      // Each call arrived after the previous one of its enrollment was answered.
      for (let i = 1; i < own.length; i++) {
        const previous = own[i - 1] as LedgerCall;
        const next = own[i] as LedgerCall;
        expect(previous.done_at, `${enrollment} call ${i}`).not.toBeNull();
        expect(Date.parse(next.at), `${enrollment} call ${i + 1}`).toBeGreaterThanOrEqual(
          Date.parse(previous.done_at as string),
        );
      }
    }
    // Every order completed on its first attempt, though many waited for their enrollment.
    expect(jobs.map((job) => job.attemptsMade)).toEqual(jobs.map(() => 1));
    const waits = jobs.reduce((sum, job) => sum + job.attemptsStarted - 1, 0);
    expect(waits).toBeGreaterThan(0);
  });
});
