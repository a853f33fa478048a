import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrderStatus } from '../src/queue/order-status.ts';
import { type Body, vendorSample } from './actions/orders.ts';
import { eventually, type Harness, startHarness } from './support/harness.ts';
import { enrollmentId } from './support/orders.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

/**
 * A vendor sample as an upstream system would send it here, after the fix-ups of
 * test/fixtures/vendor-samples/README.md, plus two for this sandbox: a fresh enrollment id
 * (one customer per enrollment) and no `agent_id` (the samples' `ewebsiteapi` is no agent of
 * the sandbox; intake fills the configured one).
 */
function sampleOrder(action: string, enrollment: string): Body {
  const sample = vendorSample(action);
  let body: Body = sample;
  if (action === 'create_customer_prepaid') {
    // The page's sample is the multi-line add_line action: its line, flat, with dob and ssn.
    const [line] = sample.lines as Body[];
    body = { ...line, action, source: sample.source, dob: '1985-12-01', ssn: '1234' };
  }
  const { agent_id: _agent, enroll_id: _enroll, ...rest } = body;
  return action === 'create_homephone_customer'
    ? { ...rest, enroll_id: enrollment }
    : { ...rest, enrollment_id: enrollment };
}

/** What vCare's sample success reply of each action carries in `data` (none: msg only). */
const expectedData: Record<string, (enrollment: string) => unknown> = {
  create_customer_prepaid: (enrollment) => ({
    enrollment_id: enrollment,
    customer_id: expect.anything(),
    equipment_purchase: { msg: 'Equipment Successfully purchased!!' },
  }),
  create_homephone_customer: (enrollment) => ({
    enrollment_id: enrollment,
    customer_id: expect.anything(),
    pending_id: expect.any(Number),
  }),
  handover_activation: (enrollment) => ({
    enrollment_id: enrollment,
    customer_id: null,
    customer_firstname: null,
    plan_id: null,
    plan_price: '0.00',
  }),
  change_account_status: () => undefined,
  equipment_purchase: () => ({ msg: 'Equipment Successfully purchased!!' }),
};

const queueOf: Record<string, string> = {
  create_customer_prepaid: 'enrollment',
  create_homephone_customer: 'enrollment',
  handover_activation: 'activation',
  change_account_status: 'status-change',
  equipment_purchase: 'purchase',
};

const actionNames = Object.keys(expectedData);

async function settled(id: string): Promise<OrderStatus> {
  return eventually(
    async () => {
      const status = (await (await h.api(`/v1/orders/${id}`)).json()) as OrderStatus;
      return ['completed', 'dead_lettered', 'failed'].includes(status.state) ? status : undefined;
    },
    { what: `order ${id} to settle` },
  );
}

function callsFor(action: string, enrollment: string) {
  return h.sandbox
    .ledger()
    .calls.filter((c) => c.action === action && c.enrollment_id === enrollment);
}

function expectCompletedLikeVcare(status: OrderStatus, action: string, enrollment: string): void {
  expect(status).toMatchObject({ state: 'completed', action, attempts: 1 });
  const result = status.result as { msg_code: string; data?: unknown };
  expect(result.msg_code).toBe('RESTAPI000');
  const data = expectedData[action]?.(enrollment);
  if (data === undefined) expect(result.data ?? undefined).toBeUndefined();
  else expect(result.data).toMatchObject(data as object);
  expect(callsFor(action, enrollment)).toEqual([
    expect.objectContaining({ http_status: 200, msg_code: 'RESTAPI000' }),
  ]);
}

describe('every action end to end through POST /v1/orders', () => {
  it.each(actionNames)('%s: the vendor sample completes with one vCare call', async (action) => {
    const enrollment = enrollmentId();
    const res = await h.api('/v1/orders', { json: sampleOrder(action, enrollment) });
    expect(res.status).toBe(202);
    const accepted = (await res.json()) as { id: string; queue: string };
    expect(accepted.queue).toBe(queueOf[action]);
    expectCompletedLikeVcare(await settled(accepted.id), action, enrollment);
  });
});

describe('every action end to end through POST /v1/orders/batch', () => {
  it('completes the five vendor samples of one batch, each with one vCare call', async () => {
    const enrollments = actionNames.map(() => enrollmentId());
    const items = actionNames.map((action, i) => sampleOrder(action, enrollments[i] as string));
    const res = await h.api('/v1/orders/batch', { json: items });
    expect(res.status).toBe(200);
    const { results } = (await res.json()) as { results: { index: number; id: string }[] };
    expect(results.map((r) => r.index)).toEqual([0, 1, 2, 3, 4]);
    const statuses = await Promise.all(results.map((r) => settled(r.id)));
    for (const [i, action] of actionNames.entries()) {
      expectCompletedLikeVcare(statuses[i] as OrderStatus, action, enrollments[i] as string);
    }
  });
});

describe('Idempotency-Key end to end', () => {
  it.each(actionNames)(
    '%s: a repeat after completion answers 200 with its state, and vCare is called once',
    async (action) => {
      const enrollment = enrollmentId();
      const key = randomUUID();
      const send = () =>
        h.api('/v1/orders', {
          json: sampleOrder(action, enrollment),
          headers: { 'idempotency-key': key },
        });
      const first = await send();
      expect(first.status).toBe(202);
      const { id } = (await first.json()) as { id: string };
      expectCompletedLikeVcare(await settled(id), action, enrollment);
      const again = await send();
      expect(again.status).toBe(200);
      expect(await again.json()).toMatchObject({ id, state: 'completed' });
      expect(callsFor(action, enrollment)).toHaveLength(1);
    },
  );

  it('runs a keyed batch item once when its batch is sent twice', async () => {
    const enrollment = enrollmentId();
    const item = {
      ...sampleOrder('equipment_purchase', enrollment),
      idempotency_key: randomUUID(),
    };
    const send = async () => {
      const res = await h.api('/v1/orders/batch', { json: [item] });
      return ((await res.json()) as { results: { id: string; duplicate?: true }[] }).results[0];
    };
    const first = await send();
    await settled(first?.id as string);
    const again = await send();
    expect(again).toMatchObject({ id: first?.id, duplicate: true });
    expect(callsFor('equipment_purchase', enrollment)).toHaveLength(1);
  });
});
