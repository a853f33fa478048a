import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCipher } from '../src/security/cipher.ts';
import { createTokenPool } from '../src/vcare/token-pool.ts';
import { type Harness, redisNodes, startHarness } from './support/harness.ts';
import { type LocalTopology, startLocalCluster } from './support/local-redis-topology.ts';
import { deadLettered, ops, orderReaches, submit } from './support/ops.ts';
import { enrollmentId, prepaidOrder } from './support/orders.ts';

// The end-to-end happy and dead-letter paths on a real 3-master Redis Cluster on loopback.
let cluster: LocalTopology;
let h: Harness;
beforeAll(async () => {
  cluster = await startLocalCluster(3);
  h = await startHarness({ env: { REDIS_URL: cluster.url } });
}, 60_000);
afterAll(async () => {
  await h?.close();
  await cluster?.stop();
});

const callsFor = (enrollment: string) =>
  h.sandbox.ledger().calls.filter((c) => c.enrollment_id === enrollment);

describe('on a 3-master Redis Cluster', () => {
  it('completes a valid prepaid order with one vCare call', async () => {
    const enrollment = enrollmentId();
    const id = await submit(h, prepaidOrder(enrollment));
    const status = await orderReaches(h, id, 'completed');
    expect(status.attempts).toBe(1);
    expect(status.result).toMatchObject({
      msg_code: 'RESTAPI000',
      data: { enrollment_id: enrollment },
    });
    expect(callsFor(enrollment)).toHaveLength(1);
  });

  it('reports ready with the Cluster reachable and the workers running', async () => {
    const res = await fetch(`${h.url}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ redis: true, workers: true });
  });

  it('dead-letters a PERM order, and its replay patched through the ops API completes', async () => {
    const { id, entryId } = await deadLettered(h, prepaidOrder(enrollmentId('PERM')));
    const entry = await h.service.deadLetters.getJob(entryId);
    expect(entry?.data).toMatchObject({
      reason: 'permanent_error',
      source_queue: 'enrollment',
      source_job_id: id,
    });

    const fixed = enrollmentId();
    const res = await ops(h, `/v1/dead-letters/${entryId}/replay`, {
      json: { patch: { enrollment_id: fixed } },
    });
    expect(res.status).toBe(202);
    const { replayed_as } = (await res.json()) as { replayed_as: string };
    const replay = await orderReaches(h, replayed_as, 'completed');
    expect(replay.replay_of).toBe(entryId);
    expect(callsFor(fixed).map((c) => c.msg_code)).toEqual(['RESTAPI000']);
  });

  it('shares vCare tokens through the pool on the Cluster', async () => {
    const key = `${h.prefix}:vcare:tokens-test`;
    const cipher = createCipher([randomBytes(32).toString('base64')]);
    const authenticate = async () => `token-${randomBytes(4).toString('hex')}`;
    const releasing = createTokenPool({
      redis: h.redis,
      key,
      cipher,
      authenticate,
      localCapacity: 0,
    });
    const taking = createTokenPool({ redis: h.redis, key, cipher, authenticate, localCapacity: 0 });

    await releasing.release('token-a');
    await releasing.release('token-b');
    expect(await taking.sharedSize()).toBe(2);
    expect([await taking.acquire(), await taking.acquire()].sort()).toEqual(['token-a', 'token-b']);
    expect(taking.authenticateCalls).toBe(0);
    expect(await taking.sharedSize()).toBe(0);
  });

  it('keeps every key the service wrote in the one slot of its prefix hash tag', async () => {
    const keysByNode = await Promise.all(
      redisNodes(h.redis).map(async (node) => {
        const keys: string[] = [];
        let cursor = '0';
        do {
          const [next, batch] = await node.scan(cursor, 'MATCH', `${h.prefix}*`, 'COUNT', 1000);
          cursor = next;
          keys.push(...batch);
        } while (cursor !== '0');
        return keys;
      }),
    );
    const holders = keysByNode.filter((keys) => keys.length > 0);
    expect(holders).toHaveLength(1);
    const keys = holders[0] as string[];
    expect(keys.some((k) => k.endsWith(':audit'))).toBe(true);
    const slots = new Set(await Promise.all(keys.map((k) => h.redis.cluster('KEYSLOT', k))));
    expect(slots.size).toBe(1);
  });
});
