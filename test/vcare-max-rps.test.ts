import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getOrderStatus } from '../src/queue/order-status.ts';
import { valid, without } from './actions/orders.ts';
import { eventually, type Harness, startHarness } from './support/harness.ts';
import { enrollmentId, prepaidOrder } from './support/orders.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { VCARE_MAX_RPS: '20' } });
});
afterAll(async () => {
  await h?.close();
});

describe('VCARE_MAX_RPS', () => {
  it('holds 60 orders over three queues to 20 calls per second toward vCare', async () => {
    const enrollments = Array.from({ length: 60 }, () => enrollmentId());
    const bodies = enrollments.map((enrollment, i) => {
      if (i % 3 === 0) return prepaidOrder(enrollment);
      const action = i % 3 === 1 ? 'change_account_status' : 'handover_activation';
      return without(valid(action, { enrollment_id: enrollment }), 'agent_id', 'source');
    });
    const results = await h.service.producer.enqueueBatch(bodies);
    const ids = results.map((r) => {
      if (r.status !== 'accepted') throw new Error(`not accepted: ${JSON.stringify(r)}`);
      return r.id;
    });
    await eventually(
      async () => {
        const all = await Promise.all(
          ids.map((id) =>
            getOrderStatus(h.service.producer.queues.values(), h.service.deadLetters, id),
          ),
        );
        return all.every((s) => s?.state === 'completed') ? true : undefined;
      },
      { what: 'all 60 orders to complete', intervalMs: 100 },
    );

    const arrivals = h.sandbox
      .ledger()
      .calls.filter((c) => enrollments.includes(c.enrollment_id ?? ''))
      .map((c) => Date.parse(c.at))
      .sort((a, b) => a - b);
    expect(arrivals).toHaveLength(60);
    // At most 20 calls start per one-second window, each window opened by its first call:
    // the third window (calls 41 to 60) opens at least 2 s after the first. Uncapped, the 60
    // calls arrive within a few hundred ms. 100 ms of slack for the path from Redis to the sandbox.
    expect((arrivals.at(-1) as number) - (arrivals[0] as number)).toBeGreaterThanOrEqual(1900);
    expect((arrivals[40] as number) - (arrivals[0] as number)).toBeGreaterThanOrEqual(1900);
  });
});
