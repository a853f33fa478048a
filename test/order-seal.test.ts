import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrderJobData } from '../src/queue/job-data.ts';
import type { OrderStatus } from '../src/queue/order-status.ts';
import { createOrderSeal } from '../src/security/order-seal.ts';
import { valid } from './actions/orders.ts';
import { enqueueWithKey, eventually, type Harness, startHarness } from './support/harness.ts';
import { enrollmentId } from './support/orders.ts';

const key = randomBytes(32).toString('base64');

describe('order seal', () => {
  const seal = createOrderSeal(key);
  const order = { action: 'create_customer_prepaid', enrollment_id: 'E1', ssn: 'enc:v1:x:y' };

  it('holds for the order it was made of', () => {
    expect(seal.holds({ ...order }, seal.seal(order))).toBe(true);
  });

  it('breaks when any field changes, is added or is removed', () => {
    const made = seal.seal(order);
    expect(seal.holds({ ...order, enrollment_id: 'E2' }, made)).toBe(false);
    expect(seal.holds({ ...order, plan_id: '606' }, made)).toBe(false);
    const { ssn: _ssn, ...without } = order;
    expect(seal.holds(without, made)).toBe(false);
  });

  it('is refused when missing, malformed or made with another key', () => {
    const other = createOrderSeal(randomBytes(32).toString('base64'));
    expect(seal.holds(order, undefined)).toBe(false);
    expect(seal.holds(order, 'not-a-seal')).toBe(false);
    expect(seal.holds(order, 42)).toBe(false);
    expect(seal.holds(order, other.seal(order))).toBe(false);
  });
});

describe('a sealed order changed after intake', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { DATA_KEY: key } });
  });
  afterAll(async () => {
    await h?.close();
  });

  /** Intake's job data for `body`, prepared on a prefix no worker watches. */
  async function intakeData(body: Record<string, unknown>): Promise<OrderJobData> {
    return (await enqueueWithKey(h, key, body, `${h.prefix}staging`)).data as OrderJobData;
  }

  async function run(data: OrderJobData): Promise<OrderStatus> {
    const id = `sealed-${randomBytes(6).toString('hex')}`;
    await h.service.producer.queues
      .get('enrollment')
      ?.add('create_customer_prepaid', data, { jobId: id, attempts: 3 });
    return eventually(
      async () => {
        const status = (await (await h.api(`/v1/orders/${id}`)).json()) as OrderStatus;
        return ['completed', 'dead_lettered'].includes(status.state) ? status : undefined;
      },
      { what: `order ${id} to settle` },
    );
  }

  it('is validated again and dead-lettered, while the unchanged order runs', async () => {
    const enrollment = enrollmentId();
    // The harness's agent comes from intake's defaults.
    const { agent_id: _agent, ...body } = valid('create_customer_prepaid', {
      enrollment_id: enrollment,
    });
    const data = await intakeData(body);
    expect(data.meta.order_seal).toEqual(expect.any(String));

    const edited = { ...data, order: { ...data.order, service_zip: 'ABCDE' } };
    const refused = await run(edited);
    expect(refused.state).toBe('dead_lettered');
    expect(refused.error).toContain('invalid_order');
    expect(h.sandbox.ledger().calls.filter((c) => c.enrollment_id === enrollment)).toEqual([]);

    expect((await run(data)).state).toBe('completed');
  });

  it('is trusted as intake validated it while its seal holds', async () => {
    // A seal made over an order intake would have refused: the worker does not validate it
    // again, so the call reaches vCare (which refuses the zip code itself).
    const enrollment = enrollmentId();
    const { agent_id: _agent, ...body } = valid('create_customer_prepaid', {
      enrollment_id: enrollment,
    });
    const data = await intakeData(body);
    const order = { ...data.order, service_zip: 'ABCDE' };
    const resealed = {
      order,
      meta: { ...data.meta, order_seal: createOrderSeal(key).seal(order) },
    };
    await run(resealed);
    expect(h.sandbox.ledger().calls.filter((c) => c.enrollment_id === enrollment)).toHaveLength(1);
  });
});
