import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getOrderStatus } from '../src/queue/order-status.ts';
import { credentials, startSandbox } from './sandbox-harness.ts';
import { eventually, type Harness, jobIn, startHarness } from './support/harness.ts';
import { enrollmentId, prepaidOrder } from './support/orders.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  // Every 503 of the sandbox now says "come back in 2 s"; the backoff base is 10 ms.
  h.sandbox.setFaults({ retry_after_s: 2 });
});
afterAll(async () => {
  await h?.close();
});

describe('Retry-After', () => {
  it('is sent by the sandbox with its 503 when retry_after_s is set, and not otherwise', async () => {
    const { sandbox, url } = await startSandbox();
    try {
      const authenticate = () =>
        fetch(`${url}/authenticate`, { method: 'POST', body: JSON.stringify(credentials) });
      sandbox.setFaults({ error_rate: 1, retry_after_s: 7 });
      const told = await authenticate();
      await told.body?.cancel();
      expect([told.status, told.headers.get('retry-after')]).toEqual([503, '7']);
      sandbox.setFaults({ error_rate: 1 });
      const plain = await authenticate();
      await plain.body?.cancel();
      expect([plain.status, plain.headers.get('retry-after')]).toEqual([503, null]);
    } finally {
      await sandbox.close();
    }
  });

  it('delays the retry of a 503 by what Retry-After says, then completes the order', async () => {
    const enrollment = enrollmentId('FLAKY1');
    const accepted = await h.service.producer.enqueue(prepaidOrder(enrollment));
    if (accepted.status !== 'accepted') throw new Error(JSON.stringify(accepted));
    const queue = h.service.producer.queues.get('enrollment');
    const delayed = await jobIn(queue, accepted.id, 'delayed', 'the order to wait for its retry');
    expect(delayed.delay).toBe(2_000);
    expect(delayed.attemptsMade).toBe(1);
    const status = await eventually(
      async () => {
        const s = await getOrderStatus(
          h.service.producer.queues.values(),
          h.service.deadLetters,
          accepted.id,
        );
        return s?.state === 'completed' ? s : undefined;
      },
      { what: 'the order to complete' },
    );
    expect(status.attempts).toBe(2);
    const calls = h.sandbox.ledger().calls.filter((c) => c.enrollment_id === enrollment);
    expect(calls.map((c) => c.http_status)).toEqual([503, 200]);
  });
});
