import { randomBytes } from 'node:crypto';
import type { OrderBody } from '../src/actions/action.ts';
import { findAction } from '../src/actions/registry.ts';

/** Partner credentials the bench's sandbox accepts and our workers present. */
export const BENCH_CREDENTIALS = {
  vendor_id: 'bench-vendor',
  username: 'bench-user',
  password: 'bench-password',
  pin: '2468',
} as const;

export const BENCH_AGENT = { id: 'bench-agent', password: 'bench-agent-pass' } as const;

export const BENCH_API_KEY = 'bench-producer-key-0123456789';

const action = findAction('create_customer_prepaid');
if (!action) throw new Error('create_customer_prepaid is not registered');
/** The action every bench order uses (queue `enrollment`, vCare module `customer`). */
export const BENCH_ACTION = action;

const run = randomBytes(3).toString('hex').toUpperCase();
let next = 0;

/**
 * A valid create_customer_prepaid body as an enrollment portal sends it (agent and source left
 * to intake), with an enrollment id unique in this run: the sandbox holds one customer per
 * enrollment, so a repeated id would end as a permanent error, not a completed order.
 */
export function benchOrder(): OrderBody {
  next++;
  return {
    action: 'create_customer_prepaid',
    enrollment_id: `BN${run}${next}`,
    first_name: 'John',
    last_name: 'Doe',
    email: 'john.doe@example.com',
    service_address_one: '123 Main St',
    service_city: 'Camden',
    service_state: 'NJ',
    service_zip: '08104',
    plan_id: '606',
    carrier: 'TMB',
    activation_type: 'NEWACTIVATION',
    enrollment_type: 'SHIPMENT',
    dob: '1985-12-01',
    ssn: '1234',
    password: 'hunter22',
  };
}

/** What our workers POST to vCare for `order`: the bare workers POST exactly this. */
export function vcareBody(order: OrderBody): Record<string, unknown> {
  return BENCH_ACTION.toVcareBody({
    ...order,
    agent_id: BENCH_AGENT.id,
    agent_password: BENCH_AGENT.password,
    source: 'API',
  });
}

export function benchOrders(count: number): OrderBody[] {
  return Array.from({ length: count }, benchOrder);
}
