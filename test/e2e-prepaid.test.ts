import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrderStatus } from '../src/queue/order-status.ts';
import { eventually, type Harness, startHarness } from './support/harness.ts';
import { enrollmentId, prepaidOrder } from './support/orders.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

async function submit(body: unknown): Promise<string> {
  const res = await h.api('/v1/orders', { json: body });
  expect(res.status).toBe(202);
  const accepted = (await res.json()) as { id: string; status_url: string; queue: string };
  expect(accepted.queue).toBe('enrollment');
  return accepted.id;
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

function callsFor(ledger: Awaited<ReturnType<Harness['sandbox']['ledger']>>, enrollment: string) {
  return ledger.calls.filter((c) => c.enrollment_id === enrollment);
}

describe('create_customer_prepaid end to end', () => {
  it('completes a valid order with vCare data as its result', async () => {
    const enrollment = enrollmentId();
    const id = await submit(prepaidOrder(enrollment));
    const status = await settled(id);
    expect(status.state).toBe('completed');
    expect(status.attempts).toBe(1);
    expect(status.result).toMatchObject({
      msg_code: 'RESTAPI000',
      data: { enrollment_id: enrollment },
    });
    expect((status.result as { data: { customer_id: unknown } }).data.customer_id).toBeTruthy();
    expect(callsFor(h.sandbox.ledger(), enrollment)).toHaveLength(1);
  });

  it('dead-letters a PERM order after exactly one vCare call', async () => {
    const enrollment = enrollmentId('PERM');
    const id = await submit(prepaidOrder(enrollment));
    const status = await settled(id);
    expect(status.state).toBe('dead_lettered');
    expect(status.dead_letter_id).toBeDefined();
    expect(callsFor(h.sandbox.ledger(), enrollment)).toHaveLength(1);
    const entry = await h.service.deadLetters.getJob(status.dead_letter_id as string);
    expect(entry?.data).toMatchObject({
      reason: 'permanent_error',
      source_queue: 'enrollment',
      source_job_id: id,
      action: 'create_customer_prepaid',
      error: { class: 'permanent', msg_code: 'RESTAPI110' },
    });
    expect(entry?.data.error.errors.length).toBeGreaterThan(0);
  });

  it('completes a FLAKY2 order on its third call', async () => {
    const enrollment = enrollmentId('FLAKY2');
    const id = await submit(prepaidOrder(enrollment));
    const status = await settled(id);
    expect(status.state).toBe('completed');
    expect(status.attempts).toBe(3);
    const calls = callsFor(h.sandbox.ledger(), enrollment);
    expect(calls.map((c) => c.http_status)).toEqual([503, 503, 200]);
  });

  it('completes a TOKEN order without spending an attempt on the token fault', async () => {
    const enrollment = enrollmentId('TOKEN');
    const id = await submit(prepaidOrder(enrollment));
    const status = await settled(id);
    expect(status.state).toBe('completed');
    expect(status.attempts).toBe(1);
    const calls = callsFor(h.sandbox.ledger(), enrollment);
    expect(calls.map((c) => c.msg_code)).toEqual(['RESTAPI001', 'RESTAPI000']);
  });

  it('dead-letters an order whose attempts run out, with every attempt recorded', async () => {
    const enrollment = enrollmentId('FLAKY9');
    const id = await submit(prepaidOrder(enrollment));
    const status = await settled(id);
    expect(status.state).toBe('dead_lettered');
    const entry = await h.service.deadLetters.getJob(status.dead_letter_id as string);
    expect(entry?.data.reason).toBe('attempts_exhausted');
    expect(entry?.data.attempts).toHaveLength(8);
    expect(entry?.data.error).toMatchObject({ class: 'transient', cause: 'http_503' });
    expect(callsFor(h.sandbox.ledger(), enrollment)).toHaveLength(8);
  });

  it('answers 400 naming the field and queues nothing for invalid input', async () => {
    const before = await jobCount();
    const res = await h.api('/v1/orders', {
      json: prepaidOrder(enrollmentId(), { service_zip: '8104', ssn: '123456789' }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as {
      error: string;
      issues: Array<{ path: string; message: string }>;
    };
    expect(body.error).toBe('validation_failed');
    expect(body.issues.map((i) => i.path).sort()).toEqual(['service_zip', 'ssn']);
    expect(JSON.stringify(body)).not.toContain('123456789');
    expect(await jobCount()).toBe(before);
  });

  it('refuses a request without the producer key', async () => {
    const res = await fetch(`${h.url}/v1/orders`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(401);
  });

  it('answers 404 for an unknown order id', async () => {
    expect((await h.api('/v1/orders/no-such-order')).status).toBe(404);
  });
});

async function jobCount(): Promise<number> {
  let total = 0;
  for (const queue of h.service.producer.queues.values()) {
    const counts = await queue.getJobCounts();
    total += Object.values(counts).reduce((a, b) => a + b, 0);
  }
  return total;
}
