import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findAction } from '../src/actions/registry.ts';
import { createSandbox, type Sandbox } from '../src/sandbox/sandbox.ts';
import { createCipher } from '../src/security/cipher.ts';
import { createVcareClient, type VcareClient } from '../src/vcare/client.ts';
import { createTokenPool } from '../src/vcare/token-pool.ts';
import { deleteKeys, REDIS_URL } from './support/harness.ts';
import { enrollmentId, prepaidOrder } from './support/orders.ts';

const credentials = { vendor_id: 'v', username: 'u', password: 'p', pin: '1' };
const agent = { agent_id: 'pool-agent', agent_password: 'pool-pass', source: 'API' };
const prefix = `tpool${randomBytes(4).toString('hex')}`;
const cipher = createCipher([randomBytes(32).toString('base64')]);
const action = findAction('create_customer_prepaid');

let sandbox: Sandbox;
let redis: Redis;
let baseUrl: string;

function client(localCapacity?: number): VcareClient {
  return createVcareClient({
    baseUrl,
    credentials,
    timeoutMs: 5000,
    tokenPool: { localCapacity },
    redis,
    tokenPoolKey: `${prefix}:tokens`,
    cipher,
  });
}

function body(enrollment = enrollmentId()) {
  if (!action) throw new Error('create_customer_prepaid is not registered');
  return action.toVcareBody({ ...prepaidOrder(enrollment), ...agent });
}

beforeAll(async () => {
  sandbox = createSandbox({ credentials, agents: { [agent.agent_id]: agent.agent_password } });
  baseUrl = await sandbox.listen(0);
  redis = new Redis(REDIS_URL);
});
afterAll(async () => {
  await sandbox.close();
  await deleteKeys(redis, `${prefix}*`);
  await redis.quit();
});

describe('token pool', () => {
  it('never reuses a token across 50 concurrent calls and rarely authenticates', async () => {
    sandbox.reset();
    const vcare = client();
    let calls = 0;
    for (let round = 0; round < 10; round++) {
      const outcomes = await Promise.all(
        Array.from({ length: 50 }, () => vcare.call('customer', body())),
      );
      calls += outcomes.length;
      expect(outcomes.every((o) => o.class === 'success')).toBe(true);
    }
    const ledger = sandbox.ledger();
    const tokenFaults = ledger.calls.filter((c) => c.msg_code === 'RESTAPI001');
    expect(tokenFaults).toHaveLength(0);
    const authenticates = ledger.calls.filter((c) => c.path === '/authenticate').length;
    expect(authenticates).toBe(vcare.tokens.authenticateCalls);
    expect(authenticates).toBeLessThanOrEqual(50);
    expect(authenticates * 10).toBeLessThanOrEqual(calls);
  });

  it('shares spare tokens through Redis, encrypted, so another process needs no /authenticate', async () => {
    // No local stack: every spare token goes to Redis.
    const first = client(0);
    await Promise.all(Array.from({ length: 100 }, () => first.call('customer', body())));
    const shared = await redis.zrange(`${prefix}:tokens`, '0', '-1');
    expect(shared.length).toBeGreaterThan(0);
    expect(shared.every((t) => t.startsWith('enc:v1:'))).toBe(true);
    const second = client();
    const outcome = await second.call('customer', body());
    expect(outcome.class).toBe('success');
    expect(second.tokens.authenticateCalls).toBe(0);
  });

  it('retries a token fault at once with a fresh token', async () => {
    const vcare = client();
    const enrollment = enrollmentId('TOKEN');
    const outcome = await vcare.call('customer', body(enrollment));
    expect(outcome.class).toBe('success');
    expect(outcome.tokenRetries).toBe(1);
  });

  it('drops tokens older than 14 minutes instead of handing them out', async () => {
    let now = 1_000_000;
    let issued = 0;
    const pool = createTokenPool({
      redis,
      key: `${prefix}:stale`,
      cipher,
      localCapacity: 0,
      now: () => now,
      authenticate: async () => `fresh-${++issued}`,
    });
    await pool.release('old-token');
    now += 14 * 60_000 + 1;
    expect(await pool.acquire()).toBe('fresh-1');
    expect(await pool.sharedSize()).toBe(0);
    expect(pool.authenticateCalls).toBe(1);
  });

  it('authenticates one at a time per process while callers wait', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    let issued = 0;
    const pool = createTokenPool({
      redis,
      key: `${prefix}:single`,
      cipher,
      authenticate: async () => {
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        await Promise.resolve();
        inFlight--;
        return `t-${++issued}`;
      },
    });
    const tokens = await Promise.all(Array.from({ length: 20 }, () => pool.acquire()));
    expect(new Set(tokens).size).toBe(20);
    expect(maxInFlight).toBe(1);
  });

  it('fails one waiting caller per failed /authenticate, and serves the rest once it answers', async () => {
    let calls = 0;
    const pool = createTokenPool({
      redis,
      key: `${prefix}:failing`,
      cipher,
      localCapacity: 0,
      authenticate: async () => {
        calls++;
        if (calls === 1) throw new Error('vCare down');
        return `t-${calls}`;
      },
    });
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => pool.acquire()));
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(4);
    expect(calls).toBe(5);
  });
});
