import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findAction } from '../src/actions/registry.ts';
import { createSandbox, type Sandbox } from '../src/sandbox/sandbox.ts';
import { createCipher } from '../src/security/cipher.ts';
import { createVcareClient, type VcareClient } from '../src/vcare/client.ts';
import { deleteKeys, REDIS_URL } from './support/harness.ts';
import { prepaidOrder } from './support/orders.ts';

const credentials = { vendor_id: 'v', username: 'u', password: 'p', pin: '1' };
const agent = { agent_id: 'spill-agent', agent_password: 'spill-pass', source: 'API' };
const prefix = `tspill${randomBytes(4).toString('hex')}`;
const cipher = createCipher([randomBytes(32).toString('base64')]);
const action = findAction('create_customer_prepaid');

let sandbox: Sandbox;
let redis: Redis;
let baseUrl: string;

function client(): VcareClient {
  return createVcareClient({
    baseUrl,
    credentials,
    timeoutMs: 5000,
    redis,
    tokenPoolKey: `${prefix}:tokens`,
    cipher,
  });
}

async function calls(vcare: VcareClient, count: number): Promise<string[]> {
  if (!action) throw new Error('create_customer_prepaid is not registered');
  const outcomes = await Promise.all(
    Array.from({ length: count }, () =>
      vcare.call('customer', action.toVcareBody({ ...prepaidOrder(), ...agent })),
    ),
  );
  return outcomes.map((o) => o.class);
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

describe('token pool at shutdown', () => {
  it('hands its local tokens to the shared pool, so the next process starts without /authenticate', async () => {
    const first = client();
    expect(await calls(first, 20)).toEqual(Array(20).fill('success'));
    expect(await first.tokens.sharedSize()).toBe(0);

    await first.tokens.spill();
    const shared = await redis.zrange(`${prefix}:tokens`, '0', '-1');
    expect(shared).toHaveLength(first.tokens.authenticateCalls);
    expect(shared.every((t) => t.startsWith('enc:v1:'))).toBe(true);

    const second = client();
    expect(await calls(second, shared.length)).toEqual(Array(shared.length).fill('success'));
    expect(second.tokens.authenticateCalls).toBe(0);
    const tokenFaults = sandbox.ledger().calls.filter((c) => c.msg_code === 'RESTAPI001');
    expect(tokenFaults).toHaveLength(0);
  });
});
