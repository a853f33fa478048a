import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeadLetterEntry } from '../src/queue/dead-letter.ts';
import { getOrderStatus, type OrderStatus } from '../src/queue/order-status.ts';
import { valid, without } from './actions/orders.ts';
import { eventually, type Harness, startHarness } from './support/harness.ts';
import { enrollmentId, prepaidOrder } from './support/orders.ts';

// The sandbox holds SLOW calls for a minute; the client gives up after 300 ms.
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { VCARE_TIMEOUT_MS: '300' } });
});
afterAll(async () => {
  await h?.close();
});

/** A valid body whose agent and source come from the service's configuration. */
function order(action: string, enrollment: string): Record<string, unknown> {
  if (action === 'create_customer_prepaid') return prepaidOrder(enrollment);
  return without(valid(action, { enrollment_id: enrollment }), 'agent_id', 'source');
}

async function submit(body: unknown): Promise<string> {
  const result = await h.service.producer.enqueue(body);
  if (result.status !== 'accepted') throw new Error(`not accepted: ${JSON.stringify(result)}`);
  return result.id;
}

async function settled(id: string): Promise<OrderStatus> {
  return eventually(
    async () => {
      const queues = h.service.producer.queues.values();
      const status = await getOrderStatus(queues, h.service.deadLetters, id);
      return status && ['completed', 'dead_lettered', 'failed'].includes(status.state)
        ? status
        : undefined;
    },
    { what: `order ${id} to settle` },
  );
}

function calls(enrollment: string) {
  return h.sandbox.ledger().calls.filter((c) => c.enrollment_id === enrollment);
}

function effects(action: string, enrollment: string): number {
  const effect = h.sandbox
    .ledger()
    .effects.find((e) => e.action === action && e.enrollment_id === enrollment);
  return effect?.count ?? 0;
}

describe('unknown outcomes', () => {
  it.each([
    ['SLOW', 'equipment_purchase'],
    ['SLOW', 'create_customer_prepaid'],
    ['LOST', 'equipment_purchase'],
    ['LOST', 'create_customer_prepaid'],
  ])('dead-letters a %s %s as outcome_unknown after exactly one call', async (prefix, action) => {
    const enrollment = enrollmentId(prefix);
    const status = await settled(await submit(order(action, enrollment)));
    expect(status.state).toBe('dead_lettered');
    const entry = await h.service.deadLetters.getJob(status.dead_letter_id as string);
    const data = entry?.data as DeadLetterEntry;
    expect(data.reason).toBe('outcome_unknown');
    expect(data.error).toMatchObject({
      class: 'unknown-outcome',
      cause: prefix === 'SLOW' ? 'timeout' : expect.any(String),
    });
    expect(calls(enrollment)).toHaveLength(1);
    expect(effects(action, enrollment)).toBe(prefix === 'LOST' ? 1 : 0);
  });

  it('retries a LOST change_account_status (idempotent) until it completes', async () => {
    const enrollment = enrollmentId('LOST');
    const status = await settled(await submit(order('change_account_status', enrollment)));
    expect(status.state).toBe('completed');
    expect(status.attempts).toBe(2);
    expect(calls(enrollment).map((c) => c.msg_code)).toEqual([null, 'RESTAPI000']);
  });

  it('leaves no enrollment with two customers and no purchase charged twice', async () => {
    const orders = ['create_customer_prepaid', 'equipment_purchase'].flatMap((action) =>
      ['LOST', 'SLOW', 'ENR'].map((prefix) => ({ action, enrollment: enrollmentId(prefix) })),
    );
    const ids = await Promise.all(orders.map((o) => submit(order(o.action, o.enrollment))));
    const states = await Promise.all(ids.map(async (id) => (await settled(id)).state));
    expect(states).toEqual(
      orders.map((o) => (o.enrollment.startsWith('ENR') ? 'completed' : 'dead_lettered')),
    );
    const { effects: all } = h.sandbox.ledger();
    const sideEffects = all.filter((e) =>
      ['create_customer_prepaid', 'equipment_purchase'].includes(e.action),
    );
    expect(sideEffects.length).toBeGreaterThan(0);
    for (const effect of sideEffects) expect(effect.count, effect.enrollment_id).toBe(1);
  });
});
