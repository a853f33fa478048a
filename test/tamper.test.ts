import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrderStatus } from '../src/queue/order-status.ts';
import { sweepExpiredSecrets } from '../src/queue/secret-sweep.ts';
import { createCipher, keyIdOf } from '../src/security/cipher.ts';
import { decryptFields, SEALED_SECRETS } from '../src/security/secret-fields.ts';
import { createTokenPool } from '../src/vcare/token-pool.ts';
import { valid } from './actions/orders.ts';
import { enqueueWithKey, eventually, type Harness, startHarness } from './support/harness.ts';
import { enrollmentId } from './support/orders.ts';

const newKey = randomBytes(32).toString('base64');
const oldKey = randomBytes(32).toString('base64');
const foreignKey = randomBytes(32).toString('base64');

let h: Harness;
beforeAll(async () => {
  // Mid-rotation: the new key encrypts, the old one still decrypts.
  h = await startHarness({ env: { DATA_KEY: `${newKey},${oldKey}` } });
});
afterAll(async () => {
  await h?.close();
});

/** A card purchase for a fresh enrollment, with the harness's agent. */
function purchase() {
  const { agent_id: _a, ...body } = valid('equipment_purchase', {
    enrollment_id: enrollmentId(),
    expiration_year: '2039',
  });
  return body;
}

async function settled(id: string): Promise<OrderStatus> {
  return eventually(
    async () => {
      const status = (await (await h.api(`/v1/orders/${id}`)).json()) as OrderStatus;
      return ['completed', 'dead_lettered', 'failed'].includes(status.state) ? status : undefined;
    },
    { what: `order ${id} to settle` },
  );
}

function vcareCalls(enrollment: string) {
  return h.sandbox.ledger().calls.filter((c) => c.enrollment_id === enrollment);
}

/** Queues `body` through a producer holding only `key`, as a process with another key would. */
async function enqueueWith(key: string, body: Record<string, unknown>): Promise<string> {
  return (await enqueueWithKey(h, key, body)).id as string;
}

async function expectDecryptFailure(id: string, enrollment: string, detail: string) {
  const status = await settled(id);
  expect(status.state).toBe('dead_lettered');
  expect(status.error).toContain('decrypt_failed');
  expect(status.error).toContain(detail);
  const entry = await h.service.deadLetters.getJob(status.dead_letter_id as string);
  expect(entry?.data).toMatchObject({
    reason: 'permanent_error',
    error: { class: 'permanent', cause: 'decrypt_failed' },
  });
  expect(vcareCalls(enrollment)).toEqual([]);
}

describe('tampered or foreign ciphertext', () => {
  it('dead-letters a tampered order as permanent without calling vCare', async () => {
    const queue = h.service.producer.queues.get('purchase');
    if (!queue) throw new Error('no purchase queue');
    await queue.pause();
    const body = purchase();
    const res = await h.api('/v1/orders', { json: body });
    const { id } = (await res.json()) as { id: string };
    const job = await queue.getJob(id);
    const value = job?.data.order[SEALED_SECRETS] as string;
    const at = value.length - 8;
    const flipped = `${value.slice(0, at)}${value[at] === 'A' ? 'B' : 'A'}${value.slice(at + 1)}`;
    await job?.updateData({ ...job.data, order: { ...job.data.order, [SEALED_SECRETS]: flipped } });
    await queue.resume();
    await expectDecryptFailure(id, body.enrollment_id as string, 'failed authentication');
  });

  it('dead-letters an order encrypted under an unknown key without calling vCare', async () => {
    const body = purchase();
    const id = await enqueueWith(foreignKey, body);
    await expectDecryptFailure(id, body.enrollment_id as string, 'no data key with id');
  });

  it('runs an order encrypted under the previous key while it is still listed', async () => {
    const body = purchase();
    const id = await enqueueWith(oldKey, body);
    expect((await settled(id)).state).toBe('completed');
    expect(vcareCalls(body.enrollment_id as string)).toHaveLength(1);
  });
});

describe('key rotation', () => {
  it('moves a dead-letter entry kept under the previous key to the current one', async () => {
    const body = { ...purchase(), enrollment_id: enrollmentId('PERM') };
    const id = await enqueueWith(oldKey, body);
    const status = await settled(id);
    expect(status.state).toBe('dead_lettered');
    const entryId = status.dead_letter_id as string;
    const before = (await h.service.deadLetters.getJob(entryId))?.data.payload.order;
    expect(keyIdOf(before[SEALED_SECRETS])).toBe(createCipher([oldKey]).keyId);

    const swept = await sweepExpiredSecrets({
      redis: h.redis,
      deadLetters: h.service.deadLetters,
      orderQueues: h.service.producer.queues.values(),
      ttlMs: 3_600_000,
      cipher: createCipher([newKey, oldKey]),
    });
    expect(swept.rewrapped).toBeGreaterThanOrEqual(2); // the entry and its failed source job
    const after = (await h.service.deadLetters.getJob(entryId))?.data.payload.order;
    const opened = decryptFields(after, ['card_number', 'agent_password'], createCipher([newKey]));
    expect(opened.card_number).toBe(valid('equipment_purchase').card_number);
    expect(opened.agent_password).toBe('agent-pass');
  });

  it('drops a pooled token it cannot decrypt and authenticates instead', async () => {
    const key = `${h.prefix}:rotation-tokens`;
    await h.redis.zadd(key, Date.now(), createCipher([foreignKey]).encrypt('foreign-token'));
    const pool = createTokenPool({
      redis: h.redis,
      key,
      cipher: createCipher([newKey]),
      authenticate: async () => 'fresh-token',
    });
    expect(await pool.acquire()).toBe('fresh-token');
    expect(await pool.sharedSize()).toBe(0);
  });
});
