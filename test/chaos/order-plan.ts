import { randomBytes } from 'node:crypto';
import { prepaidOrder } from '../support/orders.ts';

export type Body = Record<string, unknown>;

/**
 * One order the chaos producer sends. Every order carries an idempotency key: a producer
 * that gets no answer (API killed, Redis down) sends it again with the same key, the only way
 * an upstream can retry without risking a double.
 */
export interface PlannedOrder {
  n: number;
  key: string;
  action: string;
  enrollment: string;
  body: Body;
  /** Invalid orders must be answered 400 (or a batch item error) and queue nothing. */
  valid: boolean;
  channel: 'single' | 'batch';
}

/** A later submission of an order already acknowledged, with its key. */
export interface Resubmission {
  of: PlannedOrder;
  /** `repeat`: same body, must name the same order; `conflict`: another body, must be refused. */
  kind: 'repeat' | 'conflict';
  body: Body;
  channel: 'single' | 'batch';
}

/** What the producer sends, in order: a single order, a batch, or a resubmission. */
export type Request =
  | { kind: 'single'; order: PlannedOrder }
  | { kind: 'batch'; orders: PlannedOrder[] }
  | { kind: 'resubmit'; resubmission: Resubmission };

const card = {
  card_type: 'Visa',
  card_number: '4111111111111111',
  cvv: '123',
  expiration_month: '09',
  expiration_year: '2030',
  name_on_card: 'John Doe',
  billing_address1: '123 Main St',
  billing_city: 'Baltimore',
  billing_state: 'MD',
  billing_zip: '21218',
};

/**
 * Valid bodies per action, agent and source left to intake. Each order has an enrollment of
 * its own, so every ledger effect (action, enrollment) belongs to exactly one order: vCare
 * holds one customer per enrollment, and a count above 1 is a double.
 */
const builders: Record<string, (enrollment: string, n: number) => Body> = {
  create_customer_prepaid: (enrollment) => prepaidOrder(enrollment),
  create_homephone_customer: (enrollment) => ({
    action: 'create_homephone_customer',
    enrollment_id: enrollment,
    zip_code: '30901',
    features: ['1577', '1680'],
    plan_id: '123',
    order_type: 'new_order',
    ssnum: '3437',
    f_name: 'John',
    carrier: 'ATTH',
    phone_number: '4567890765',
  }),
  // Without payment: idempotent (retried after an unknown outcome).
  handover_activation: (enrollment, n) => ({
    action: 'handover_activation',
    enrollment_id: enrollment,
    esn: `4544${String(n).padStart(6, '0')}`,
  }),
  change_account_status: (enrollment, n) => ({
    action: 'change_account_status',
    enrollment_id: enrollment,
    status: ['Suspend', 'Restore', 'Active'][n % 3],
  }),
  equipment_purchase: (enrollment) => ({
    ...card,
    action: 'equipment_purchase',
    enrollment_id: enrollment,
    model_id: '48',
    payment_method: 'CREDIT_CARD',
  }),
};

/** Share of valid orders per action (create 35%, status 25%, handover 20%, purchase 20%). */
const mix: readonly [string, number][] = [
  ['create_customer_prepaid', 25],
  ['create_homephone_customer', 10],
  ['change_account_status', 25],
  ['handover_activation', 20],
  ['equipment_purchase', 20],
];

/** Ways an order is invalid, each answered 400 by intake. */
const breakers: readonly ((enrollment: string, n: number) => Body)[] = [
  (e) => prepaidOrder(e, { service_zip: '0810' }),
  (e, n) => ({ ...builders.change_account_status?.(e, n), status: 'Paused' }),
  (e) => ({ action: 'handover_activation', enrollment_id: e }),
  (e) => ({ ...builders.equipment_purchase?.(e, 0), expiration_year: '2019' }),
  (e) => ({ action: 'delete_customer', enrollment_id: e }),
];

function actionFor(n: number): string {
  const slot = (n * 37) % 100;
  let sum = 0;
  for (const [action, share] of mix) {
    sum += share;
    if (slot < sum) return action;
  }
  return 'change_account_status';
}

export interface PlanOptions {
  orders: number;
  /** Orders per batch request. */
  batchSize: number;
  /** Share of invalid orders. @defaultValue 0.05 */
  invalidShare?: number;
  /** Share of valid orders sent a second time with their key and body. @defaultValue 0.05 */
  repeatShare?: number;
  /** Share of valid orders whose key is sent again with another body. @defaultValue 0.005 */
  conflictShare?: number;
}

/**
 * `orders` orders (5% invalid) of all five actions, in requests that alternate `batchSize`
 * single POSTs with one batch of `batchSize`; resubmissions follow their order a few
 * requests later (the producer sends them once the first answer is in).
 */
export function planOrders(options: PlanOptions): { orders: PlannedOrder[]; requests: Request[] } {
  const run = randomBytes(3).toString('hex').toUpperCase();
  const invalidEvery = Math.round(1 / (options.invalidShare ?? 0.05));
  const repeatEvery = Math.round(1 / (options.repeatShare ?? 0.05));
  const conflictEvery = Math.round(1 / (options.conflictShare ?? 0.005));
  const orders: PlannedOrder[] = [];
  const requests: Request[] = [];
  const pending: Resubmission[] = [];
  let batch: PlannedOrder[] = [];
  const size = options.batchSize;

  for (let n = 0; n < options.orders; n++) {
    const channel = Math.floor(n / size) % 2 === 0 ? 'single' : 'batch';
    const valid = n % invalidEvery !== invalidEvery - 1;
    const enrollment = `CH${run}${n.toString(36).toUpperCase().padStart(4, '0')}`;
    const action = valid ? actionFor(n) : 'invalid';
    const body = valid
      ? (builders[action]?.(enrollment, n) as Body)
      : (breakers[Math.floor(n / invalidEvery) % breakers.length]?.(enrollment, n) as Body);
    const order: PlannedOrder = {
      n,
      key: `chaos-${run}-${n}`,
      action: valid ? action : String(body.action),
      enrollment,
      body,
      valid,
      channel,
    };
    orders.push(order);
    if (channel === 'single') requests.push({ kind: 'single', order });
    else {
      batch.push(order);
      if (batch.length === size) {
        requests.push({ kind: 'batch', orders: batch });
        batch = [];
      }
    }
    if (valid && n % repeatEvery === 3) {
      pending.push({ of: order, kind: 'repeat', body, channel: n % 2 ? 'single' : 'batch' });
    } else if (valid && order.action === 'change_account_status' && n % conflictEvery === 7) {
      const other = { ...body, status: body.status === 'Cancel' ? 'Active' : 'Cancel' };
      pending.push({ of: order, kind: 'conflict', body: other, channel: 'single' });
    }
    // Resubmissions go out some 2 batches later, while the first answers are long in.
    while (pending.length > 0 && (pending[0] as Resubmission).of.n < n - 2 * size) {
      requests.push({ kind: 'resubmit', resubmission: pending.shift() as Resubmission });
    }
  }
  if (batch.length > 0) requests.push({ kind: 'batch', orders: batch });
  for (const resubmission of pending) requests.push({ kind: 'resubmit', resubmission });
  return { orders, requests };
}
