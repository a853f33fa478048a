import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { OrderBody } from '../../src/actions/action.ts';
import type { FieldIssue } from '../../src/actions/validate.ts';
import { validateOrder } from '../../src/actions/validate.ts';

/** The date every test judges card expiry against. */
export const now = new Date('2025-06-15T12:00:00Z');

export type Body = Record<string, unknown>;

export function vendorSample(action: string): Body {
  const url = new URL(`../fixtures/vendor-samples/${action}.json`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as Body;
}

const intake = { agent_id: 'ewebsiteapi', source: 'API' };

/** A card that passes every rule as of `now`. */
export const card = {
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

/** One valid order per action, with only what the action needs (no optional extras). */
export const validOrders: Record<string, Body> = {
  create_customer_prepaid: {
    ...intake,
    action: 'create_customer_prepaid',
    enrollment_id: 'WSN977',
    first_name: 'John',
    last_name: 'Doe',
    email: 'test_customer@vcaremail.com',
    service_address_one: '123 Main St',
    service_city: 'CAMDEN',
    service_state: 'NJ',
    service_zip: '08104',
    plan_id: '606',
    carrier: 'TMB',
    activation_type: 'NEWACTIVATION',
    enrollment_type: 'SHIPMENT',
    dob: '1985-12-01',
    ssn: '1234',
  },
  create_homephone_customer: {
    ...intake,
    action: 'create_homephone_customer',
    enrollment_id: 'WSN3706',
    zip_code: '30901',
    features: ['1577', '1680'],
    plan_id: '123',
    order_type: 'new_order',
    ssnum: '3437',
    f_name: 'John',
    carrier: 'ATTH',
    phone_number: '4567890765',
  },
  handover_activation: {
    ...intake,
    action: 'handover_activation',
    enrollment_id: 'ABC123',
    esn: '4544546465',
  },
  change_account_status: {
    ...intake,
    action: 'change_account_status',
    enrollment_id: 'ABC123',
    status: 'Active',
  },
  equipment_purchase: {
    ...intake,
    ...card,
    action: 'equipment_purchase',
    enrollment_id: 'WSN2487',
    model_id: '48',
    payment_method: 'CREDIT_CARD',
  },
};

export function valid(action: string, changes: Body = {}): Body {
  const base = validOrders[action];
  if (!base) throw new Error(`no valid order for ${action}`);
  return { ...base, ...changes };
}

export function without(body: Body, ...fields: string[]): Body {
  const copy = { ...body };
  for (const field of fields) delete copy[field];
  return copy;
}

export function issuesOf(body: unknown): FieldIssue[] {
  const result = validateOrder(body, now);
  return result.ok ? [] : result.issues;
}

export function expectAccepted(body: unknown): OrderBody {
  const result = validateOrder(body, now);
  if (!result.ok) return expect.fail(`expected acceptance, got ${JSON.stringify(result.issues)}`);
  return result.order;
}

/** Exactly one issue, at `path`, whose message is `path` followed by `predicate`. */
export function expectOnlyIssue(body: unknown, path: string, predicate: string): void {
  expect(issuesOf(body)).toEqual([{ path, message: `${path} ${predicate}` }]);
}

/** Among the issues, one at `path` with that message. */
export function expectIssue(body: unknown, path: string, predicate: string): void {
  expect(issuesOf(body)).toContainEqual({ path, message: `${path} ${predicate}` });
}

export function expectNoIssueAt(body: unknown, path: string): void {
  expect(issuesOf(body).map((issue) => issue.path)).not.toContain(path);
}
