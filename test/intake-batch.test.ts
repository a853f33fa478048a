import type { Queue } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { OrderJobData } from '../src/queue/job-data.ts';
import { SEALED, SEALED_SECRETS } from '../src/security/secret-fields.ts';
import { valid } from './actions/orders.ts';
import { type Harness, startHarness } from './support/harness.ts';
import { enrollmentId, prepaidOrder } from './support/orders.ts';

// Workers off: every job stays where intake put it, so queue contents are exact.
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ workers: false });
});
afterAll(async () => {
  await h?.close();
});
afterEach(() => {
  vi.restoreAllMocks();
});

type Result = Record<string, unknown> & { index: number };

async function batch(items: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await h.api('/v1/orders/batch', { json: items });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function queues(): Queue[] {
  return [...h.service.producer.queues.values()];
}

async function counts(): Promise<Record<string, number>> {
  const entries = await Promise.all(queues().map(async (q) => [q.name, await q.count()] as const));
  return Object.fromEntries(entries);
}

/** One valid order per action, each with its own enrollment. */
function onePerAction(): Record<string, unknown>[] {
  return [
    prepaidOrder(),
    valid('create_homephone_customer', { enrollment_id: enrollmentId() }),
    valid('handover_activation', { enrollment_id: enrollmentId() }),
    valid('change_account_status', { enrollment_id: enrollmentId() }),
    valid('equipment_purchase', { enrollment_id: enrollmentId() }),
  ];
}

describe('POST /v1/orders/batch', () => {
  it('judges each item alone: valid ones queued with their index, invalid ones listing their issues', async () => {
    const before = await counts();
    const items = [
      prepaidOrder(),
      prepaidOrder(enrollmentId(), { service_zip: '8104' }),
      valid('equipment_purchase', { enrollment_id: enrollmentId() }),
      'not an order',
      { action: 'no_such_action', enrollment_id: 'X1' },
      valid('change_account_status', { enrollment_id: enrollmentId(), status: 'Paused' }),
      valid('change_account_status', { enrollment_id: enrollmentId() }),
    ];
    const { status, body } = await batch(items);
    expect(status).toBe(200);
    const results = body.results as Result[];
    expect(results.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(results[0]).toMatchObject({ action: 'create_customer_prepaid', queue: 'enrollment' });
    expect(results[1]).toEqual({
      index: 1,
      error: 'validation_failed',
      issues: [{ path: 'service_zip', message: 'service_zip must be exactly 5 digits' }],
    });
    expect(results[2]).toMatchObject({ action: 'equipment_purchase', queue: 'purchase' });
    expect(results[3]).toMatchObject({ error: 'validation_failed', issues: [{ path: 'action' }] });
    expect(results[4]).toMatchObject({ error: 'validation_failed', issues: [{ path: 'action' }] });
    expect(results[5]).toMatchObject({ error: 'validation_failed', issues: [{ path: 'status' }] });
    expect(results[6]).toMatchObject({ action: 'change_account_status', queue: 'status-change' });

    const after = await counts();
    expect(after.enrollment).toBe((before.enrollment ?? 0) + 1);
    expect(after.purchase).toBe((before.purchase ?? 0) + 1);
    expect(after['status-change']).toBe((before['status-change'] ?? 0) + 1);
    expect(after.activation).toBe(before.activation);
    for (const r of results.filter((r) => 'id' in r)) {
      const job = await h.service.producer.queues.get(r.queue as never)?.getJob(r.id as string);
      expect(job?.name).toBe(r.action);
    }
  });

  it('never echoes a secret in an item issue', async () => {
    const { body } = await batch([prepaidOrder(enrollmentId(), { ssn: '12345' })]);
    const [result] = body.results as Result[];
    expect(result?.issues).toEqual([{ path: 'ssn', message: expect.any(String) }]);
    expect(JSON.stringify(result)).not.toContain('12345');
  });

  it('adds the accepted orders with one addBulk per queue and no single adds', async () => {
    const spies = queues().map((q) => ({
      name: q.name,
      bulk: vi.spyOn(q, 'addBulk'),
      add: vi.spyOn(q, 'add'),
    }));
    const items = [...onePerAction(), ...onePerAction(), prepaidOrder(enrollmentId(), { dob: '' })];
    const { body } = await batch(items);
    expect((body.results as Result[]).filter((r) => 'id' in r)).toHaveLength(10);
    for (const spy of spies) {
      expect(spy.add).not.toHaveBeenCalled();
      expect(spy.bulk).toHaveBeenCalledTimes(1);
    }
    const sizes = Object.fromEntries(spies.map((s) => [s.name, s.bulk.mock.calls[0]?.[0]?.length]));
    // enrollment takes two actions (prepaid and homephone), twice.
    expect(sizes).toEqual({ enrollment: 4, activation: 2, 'status-change': 2, purchase: 2 });
  });

  it('queues nothing for a batch of invalid items', async () => {
    const before = await counts();
    const { status, body } = await batch([{}, prepaidOrder(enrollmentId(), { email: 'x' })]);
    expect(status).toBe(200);
    expect((body.results as Result[]).every((r) => r.error === 'validation_failed')).toBe(true);
    expect(await counts()).toEqual(before);
  });

  it('refuses an order that sets the sealed-secrets field itself, naming it', async () => {
    const before = await counts();
    const item = { ...prepaidOrder(), [SEALED_SECRETS]: 'enc:v1:00000000:AAAA' };
    const { body } = await batch([item]);
    const [result] = body.results as Result[];
    expect(result).toMatchObject({ error: 'validation_failed' });
    expect(result?.issues).toEqual([
      { path: SEALED_SECRETS, message: `${SEALED_SECRETS} is reserved for the service` },
    ]);
    const single = await h.api('/v1/orders', { json: item });
    expect(single.status).toBe(400);
    expect(JSON.stringify(await single.json())).toContain(SEALED_SECRETS);
    expect(await counts()).toEqual(before);
  });

  it('accepts 1000 orders in one batch', async () => {
    const items = Array.from({ length: 1000 }, () => prepaidOrder());
    const before = await counts();
    const { status, body } = await batch(items);
    expect(status).toBe(200);
    const results = body.results as Result[];
    expect(results).toHaveLength(1000);
    expect(new Set(results.map((r) => r.id)).size).toBe(1000);
    expect((await counts()).enrollment).toBe((before.enrollment ?? 0) + 1000);
  });

  it.each([
    ['more than 1000 orders', Array.from({ length: 1001 }, () => prepaidOrder())],
    ['an object', prepaidOrder()],
    ['an empty array', []],
  ])('answers %s with 400 and queues nothing', async (_what, items) => {
    const before = await counts();
    const { status, body } = await batch(items);
    expect(status).toBe(400);
    expect(body).toEqual({
      error: 'validation_failed',
      issues: [{ path: 'body', message: 'body must be a JSON array of 1 to 1000 orders' }],
    });
    expect(await counts()).toEqual(before);
  });

  it('answers a bare JSON string with 400 and queues nothing', async () => {
    const before = await counts();
    const { status } = await batch('orders');
    expect(status).toBe(400);
    expect(await counts()).toEqual(before);
  });

  it('fills agent and source from the configuration and encrypts secrets, as single intake does', async () => {
    const bare = prepaidOrder();
    expect(bare).not.toHaveProperty('agent_id');
    const { body } = await batch([bare]);
    const [result] = body.results as Result[];
    const job = await h.service.producer.queues.get('enrollment')?.getJob(result?.id as string);
    const order = (job?.data as OrderJobData | undefined)?.order;
    expect(order).toMatchObject({ agent_id: 'test-agent', source: 'API' });
    expect(order?.ssn).toBe(SEALED);
    expect(String(order?.[SEALED_SECRETS])).toMatch(/^enc:v1:/);
  });
});
