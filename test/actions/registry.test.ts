import { describe, expect, it } from 'vitest';
import { actions, findAction } from '../../src/actions/registry.ts';
import { validOrders } from './orders.ts';

describe('action registry', () => {
  it('lists the five vCare actions with their module, queue and idempotency', () => {
    const summary = actions.map((a) => [a.name, a.module, a.queue]);
    expect(summary).toEqual([
      ['create_customer_prepaid', 'customer', 'enrollment'],
      ['create_homephone_customer', 'customer', 'enrollment'],
      ['handover_activation', 'handover', 'activation'],
      ['change_account_status', 'customer', 'status-change'],
      ['equipment_purchase', 'equipment', 'purchase'],
    ]);
  });

  it('finds an action by name and nothing for other names', () => {
    expect(findAction('equipment_purchase')?.queue).toBe('purchase');
    expect(findAction('add_line_nonlifeline_customer')).toBeUndefined();
    expect(findAction('__proto__')).toBeUndefined();
    expect(findAction('toString')).toBeUndefined();
  });

  it.each(actions.map((a) => [a.name, a] as const))(
    '%s lists only business fields as required',
    (_name, action) => {
      for (const field of ['action', 'source', 'agent_id', 'agent_password']) {
        expect(action.requiredFields).not.toContain(field);
      }
      expect(action.requiredFields).toContain('enrollment_id');
    },
  );

  it.each(actions.map((a) => [a.name, a] as const))(
    '%s marks agent_password secret',
    (_name, action) => {
      expect(action.secretFields).toContain('agent_password');
    },
  );

  it('marks the documented secrets per action', () => {
    const secrets = Object.fromEntries(actions.map((a) => [a.name, a.secretFields]));
    expect(secrets.create_customer_prepaid).toEqual(
      expect.arrayContaining([
        'ssn',
        'dob',
        'password',
        'port_ssn',
        'port_account_password',
        'ivr_pin',
        'security_questions_answers',
      ]),
    );
    expect(secrets.create_homephone_customer).toContain('ssnum');
    for (const name of ['handover_activation', 'equipment_purchase']) {
      expect(secrets[name]).toEqual(
        expect.arrayContaining(['card_number', 'cvv', 'expiration_month', 'expiration_year']),
      );
    }
  });

  it('has a valid test order for every registered action', () => {
    expect(Object.keys(validOrders)).toEqual(actions.map((a) => a.name));
  });
});
