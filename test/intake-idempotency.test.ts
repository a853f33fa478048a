import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrderJobData } from '../src/queue/job-data.ts';
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

interface Answer {
  status: number;
  body: { id?: string; error?: string; issues?: { path: string; message: string }[] };
}

async function post(body: unknown, key?: string): Promise<Answer> {
  const res = await h.api('/v1/orders', {
    json: body,
    headers: key === undefined ? {} : { 'idempotency-key': key },
  });
  return { status: res.status, body: (await res.json()) as Answer['body'] };
}

function queue(name: string): Queue {
  return h.service.producer.queues.get(name as never) as Queue;
}

/** Jobs with this id across every order queue. */
async function jobsWithId(id: string) {
  const found = await Promise.all([...h.service.producer.queues.values()].map((q) => q.getJob(id)));
  return found.filter((job) => job !== undefined);
}

/** The queued order of the one job with this id. */
async function orderOf(id: string): Promise<OrderJobData['order']> {
  const [job, ...more] = await jobsWithId(id);
  if (!job || more.length > 0) throw new Error(`expected one job ${id}`);
  return (job.data as OrderJobData).order;
}

async function totalJobs(): Promise<number> {
  const counts = await Promise.all([...h.service.producer.queues.values()].map((q) => q.count()));
  return counts.reduce((a, b) => a + b, 0);
}

describe('Idempotency-Key on POST /v1/orders', () => {
  it('answers a repeat with the same body 200 with the first id and queues nothing more', async () => {
    const key = randomUUID();
    const body = prepaidOrder();
    const first = await post(body, key);
    expect(first.status).toBe(202);
    const before = await totalJobs();
    const again = await post({ ...body }, key);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    expect(await totalJobs()).toBe(before);
    expect(await jobsWithId(first.body.id as string)).toHaveLength(1);
  });

  it('treats the same fields in another order as the same body', async () => {
    const key = randomUUID();
    const body = prepaidOrder();
    const first = await post(body, key);
    const reordered = Object.fromEntries(Object.entries(body).reverse());
    const again = await post(reordered, key);
    expect(again).toMatchObject({ status: 200, body: { id: first.body.id } });
  });

  it('answers the same key with another body 409 and leaves the first order as it was', async () => {
    const key = randomUUID();
    const body = prepaidOrder();
    const first = await post(body, key);
    const before = await totalJobs();
    const other = await post({ ...body, first_name: 'Jane' }, key);
    expect(other.status).toBe(409);
    expect(other.body).toMatchObject({ error: 'idempotency_conflict', id: first.body.id });
    expect(await totalJobs()).toBe(before);
    expect((await orderOf(first.body.id as string)).first_name).toBe('John');
  });

  it('answers the same key with another action, in another queue, 409 and queues nothing there', async () => {
    const key = randomUUID();
    const first = await post(prepaidOrder(), key);
    expect(first.status).toBe(202);
    const other = await post(
      valid('change_account_status', { enrollment_id: enrollmentId() }),
      key,
    );
    expect(other.status).toBe(409);
    expect(await queue('status-change').getJob(first.body.id as string)).toBeUndefined();
    expect(await jobsWithId(first.body.id as string)).toHaveLength(1);
  });

  it('queues a body with a new key, and one with no key, as new orders', async () => {
    const body = prepaidOrder();
    const a = await post(body, randomUUID());
    const b = await post(body, randomUUID());
    const c = await post(body);
    expect([a.status, b.status, c.status]).toEqual([202, 202, 202]);
    expect(new Set([a.body.id, b.body.id, c.body.id]).size).toBe(3);
  });

  it('accepts a key again once its order record is gone (keys live as long as the job)', async () => {
    const key = randomUUID();
    const first = await post(prepaidOrder(), key);
    const id = first.body.id as string;
    expect(await queue('enrollment').remove(id)).toBe(1);
    const again = await post(prepaidOrder(), key);
    expect(again).toMatchObject({ status: 202, body: { id } });
    expect(await jobsWithId(id)).toHaveLength(1);
  });

  it('answers 20 concurrent submissions of one key and body with one 202, the rest 200, one job', async () => {
    const key = randomUUID();
    const body = prepaidOrder();
    const before = await totalJobs();
    const answers = await Promise.all(Array.from({ length: 20 }, () => post(body, key)));
    expect(answers.filter((a) => a.status === 202)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(19);
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    expect(await totalJobs()).toBe(before + 1);
  });

  it('answers 20 concurrent submissions of one key with different bodies with one 202 whose body is queued, the rest 409', async () => {
    const key = randomUUID();
    const bodies = Array.from({ length: 20 }, () => prepaidOrder());
    const before = await totalJobs();
    const answers = await Promise.all(bodies.map((body) => post(body, key)));
    const winners = answers.flatMap((a, i) => (a.status === 202 ? [i] : []));
    expect(winners).toHaveLength(1);
    expect(answers.filter((a) => a.status === 409)).toHaveLength(19);
    expect(await totalJobs()).toBe(before + 1);
    const winner = winners[0] as number;
    const order = await orderOf(answers[winner]?.body.id as string);
    expect(order.enrollment_id).toBe(bodies[winner]?.enrollment_id);
  });

  it('never leaves more jobs than 202 answers when one key races across actions and queues', async () => {
    const key = randomUUID();
    const bodies = Array.from({ length: 10 }, (_, i) =>
      i % 2 === 0
        ? prepaidOrder()
        : valid('change_account_status', { enrollment_id: enrollmentId() }),
    );
    const answers = await Promise.all(bodies.map((body) => post(body, key)));
    const accepted = answers.filter((a) => a.status === 202);
    expect(accepted.length).toBeLessThanOrEqual(1);
    expect(answers.every((a) => a.status === 202 || a.status === 409)).toBe(true);
    const id = answers.find((a) => a.body.id)?.body.id as string;
    expect(await jobsWithId(id)).toHaveLength(accepted.length);
  });

  it.each([
    ['empty', ''],
    ['longer than 255 characters', 'k'.repeat(256)],
  ])('refuses an Idempotency-Key that is %s with 400 and queues nothing', async (_what, key) => {
    const before = await totalJobs();
    const answer = await post(prepaidOrder(), key);
    expect(answer.status).toBe(400);
    expect(answer.body.issues).toEqual([
      {
        path: 'Idempotency-Key',
        message: 'Idempotency-Key must be a string of 1 to 255 characters',
      },
    ]);
    expect(await totalJobs()).toBe(before);
  });

  it('gives the producer API and the HTTP route the same key space: a repeat through either is a duplicate', async () => {
    const key = randomUUID();
    const body = prepaidOrder();
    const viaHttp = await post(body, key);
    const viaApi = await h.service.producer.enqueue(body, { idempotencyKey: key });
    expect(viaApi).toMatchObject({ status: 'duplicate', id: viaHttp.body.id });
    const conflict = await h.service.producer.enqueue(
      { ...body, last_name: 'Roe' },
      { idempotencyKey: key },
    );
    expect(conflict).toEqual({ status: 'conflict', id: viaHttp.body.id });
  });
});

describe('idempotency_key on batch items', () => {
  async function batch(items: unknown[]) {
    const res = await h.api('/v1/orders/batch', { json: items });
    expect(res.status).toBe(200);
    return ((await res.json()) as { results: Record<string, unknown>[] }).results;
  }

  it('queues a keyed item once: the same batch again answers duplicates with the same ids', async () => {
    const items = [
      { ...prepaidOrder(), idempotency_key: randomUUID() },
      {
        ...valid('change_account_status', { enrollment_id: enrollmentId() }),
        idempotency_key: randomUUID(),
      },
    ];
    const first = await batch(items);
    expect(first.map((r) => r.duplicate)).toEqual([undefined, undefined]);
    const before = await totalJobs();
    const again = await batch(items);
    expect(again).toEqual(first.map((r) => ({ ...r, duplicate: true })));
    expect(await totalJobs()).toBe(before);
  });

  it('removes idempotency_key from the order: vCare never receives it', async () => {
    const [result] = await batch([{ ...prepaidOrder(), idempotency_key: randomUUID() }]);
    expect(await orderOf(result?.id as string)).not.toHaveProperty('idempotency_key');
  });

  it('shares the key space with the header: a keyed item after a header submission of its body is a duplicate', async () => {
    const key = randomUUID();
    const body = prepaidOrder();
    const viaHeader = await post(body, key);
    const [item] = await batch([{ ...body, idempotency_key: key }]);
    expect(item).toMatchObject({ index: 0, id: viaHeader.body.id, duplicate: true });
  });

  it('queues one of two items sharing a key and body, answers the other as its duplicate', async () => {
    const key = randomUUID();
    const body = prepaidOrder();
    const before = await totalJobs();
    const results = await batch([
      { ...body, idempotency_key: key },
      { ...body, idempotency_key: key },
    ]);
    expect(results[0]?.id).toBe(results[1]?.id);
    expect(results.filter((r) => r.duplicate === true)).toHaveLength(1);
    expect(await totalJobs()).toBe(before + 1);
  });

  it('answers an item whose key was used with another body as a conflict, alone', async () => {
    const key = randomUUID();
    const first = await post(prepaidOrder(), key);
    const results = await batch([{ ...prepaidOrder(), idempotency_key: key }, prepaidOrder()]);
    expect(results[0]).toMatchObject({
      index: 0,
      error: 'idempotency_conflict',
      id: first.body.id,
    });
    expect(results[1]).toMatchObject({ index: 1, action: 'create_customer_prepaid' });
  });

  it.each([
    ['a number', 42],
    ['empty', ''],
    ['too long', 'k'.repeat(256)],
  ])(
    'rejects an item whose idempotency_key is %s, with the issue at idempotency_key',
    async (_what, key) => {
      const before = await totalJobs();
      const [result] = await batch([{ ...prepaidOrder(), idempotency_key: key }]);
      expect(result).toEqual({
        index: 0,
        error: 'validation_failed',
        issues: [
          {
            path: 'idempotency_key',
            message: 'idempotency_key must be a string of 1 to 255 characters',
          },
        ],
      });
      expect(await totalJobs()).toBe(before);
    },
  );
});
