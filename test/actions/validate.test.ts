import { describe, expect, it } from 'vitest';
import { findAction } from '../../src/actions/registry.ts';
import { validateOrder } from '../../src/actions/validate.ts';
import { expectAccepted, issuesOf, now, valid, validOrders, without } from './orders.ts';

const allowed =
  'action must be one of create_customer_prepaid, create_homephone_customer, handover_activation, change_account_status, equipment_purchase';

describe('validateOrder', () => {
  it.each([
    ['a missing action', { enrollment_id: 'A1' }],
    ['an unknown action', { action: 'add_line_nonlifeline_customer' }],
    ['a non-text action', { action: 42 }],
    ['null', null],
    ['an array', [valid('change_account_status')]],
    ['a string', 'change_account_status'],
  ])('answers one issue at action naming the five actions for %s', (_case, body) => {
    expect(issuesOf(body)).toEqual([{ path: 'action', message: allowed }]);
  });

  it('answers instead of throwing when reading the body throws', () => {
    const hostile = Object.defineProperty({}, 'action', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    expect(validateOrder(hostile).ok).toBe(false);
  });

  it('returns the action definition with the parsed order', () => {
    const result = validateOrder(valid('change_account_status'), now);
    expect(result.ok && result.action).toBe(findAction('change_account_status'));
  });

  it.each(Object.keys(validOrders))('%s: accepts its valid order', (action) => {
    expectAccepted(valid(action));
  });

  it.each(
    Object.keys(validOrders).flatMap((action) => {
      const fields = [...(findAction(action)?.requiredFields ?? []), 'agent_id', 'source'];
      return fields.map((field) => [action, field] as const);
    }),
  )('%s: reports %s as required when absent, null or blank', (action, field) => {
    const issue = { path: field, message: `${field} is required` };
    expect(issuesOf(without(valid(action), field))).toEqual([issue]);
    expect(issuesOf(valid(action, { [field]: null }))).toEqual([issue]);
    expect(issuesOf(valid(action, { [field]: '  ' }))).toEqual([issue]);
  });

  it.each(Object.keys(validOrders))(
    '%s: passes unknown fields through to vCare unchanged',
    (action) => {
      const extras = {
        sub_source: 'plans',
        nested: { deep: [1, { x: null }] },
        flag: true,
        n: 1.5,
      };
      const definition = findAction(action);
      const order = expectAccepted(valid(action, extras));
      expect(definition?.toVcareBody(order)).toMatchObject(extras);
    },
  );

  it.each(Object.keys(validOrders))('%s: requires agent_id and source to be text', (action) => {
    expect(issuesOf(valid(action, { agent_id: 7, source: {} }))).toEqual([
      { path: 'agent_id', message: 'agent_id must be text' },
      { path: 'source', message: 'source must be text' },
    ]);
  });

  it('accepts any source value the vendor samples use', () => {
    for (const source of ['API', 'WEBSITE', 'TABLET', 'ENROLLMENT_PORTAL']) {
      expectAccepted(valid('change_account_status', { source }));
    }
  });

  it('rejects an action body sent with another action name in the schema itself', () => {
    const schema = findAction('change_account_status')?.schema;
    const result = schema?.safeParse(valid('equipment_purchase'));
    expect(result?.success).toBe(false);
  });
});
