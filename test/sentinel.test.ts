import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './support/harness.ts';
import { type LocalTopology, startLocalSentinel } from './support/local-redis-topology.ts';
import { orderReaches, submit } from './support/ops.ts';
import { enrollmentId, prepaidOrder } from './support/orders.ts';

// The happy path through a real Sentinel: one Redis, one Sentinel naming it master `vcare`.
let sentinel: LocalTopology;
let h: Harness;
beforeAll(async () => {
  sentinel = await startLocalSentinel('vcare');
  h = await startHarness({ env: { REDIS_URL: sentinel.url } });
}, 60_000);
afterAll(async () => {
  await h?.close();
  await sentinel?.stop();
});

describe('behind Redis Sentinel', () => {
  it('completes a valid prepaid order on the master the Sentinel names', async () => {
    const enrollment = enrollmentId();
    const id = await submit(h, prepaidOrder(enrollment));
    const status = await orderReaches(h, id, 'completed');
    expect(status.result).toMatchObject({ msg_code: 'RESTAPI000' });
    expect(h.sandbox.ledger().calls.filter((c) => c.enrollment_id === enrollment)).toHaveLength(1);

    // The jobs live on the master itself, not on some other Redis.
    const master = new Redis(sentinel.ports[0] as number, '127.0.0.1');
    try {
      expect(await master.exists(`${h.prefix}:enrollment:${id}`)).toBe(1);
    } finally {
      await master.quit();
    }
  });
});
