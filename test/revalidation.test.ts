import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrderJobData } from '../src/queue/job-data.ts';
import type { OrderStatus } from '../src/queue/order-status.ts';
import { valid } from './actions/orders.ts';
import { enqueueWithKey, eventually, type Harness, startHarness } from './support/harness.ts';
import { enrollmentId } from './support/orders.ts';

const key = randomBytes(32).toString('base64');

describe('an order changed after intake', () => {
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
    const id = `edited-${randomBytes(6).toString('hex')}`;
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

  it('is validated again by the worker and dead-lettered, while the unchanged order runs', async () => {
    const enrollment = enrollmentId();
    // The harness's agent comes from intake's defaults.
    const { agent_id: _agent, ...body } = valid('create_customer_prepaid', {
      enrollment_id: enrollment,
    });
    const data = await intakeData(body);
    const edited = { ...data, order: { ...data.order, service_zip: 'ABCDE' } };
    const refused = await run(edited);
    expect(refused.state).toBe('dead_lettered');
    expect(refused.error).toContain('invalid_order');
    expect(h.sandbox.ledger().calls.filter((c) => c.enrollment_id === enrollment)).toEqual([]);

    expect((await run(data)).state).toBe('completed');
  });
});
