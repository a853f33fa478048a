import { describe, expect, it } from 'vitest';
import { expectAccepted, issuesOf, vendorSample } from './orders.ts';

// Fix-ups are listed in test/fixtures/vendor-samples/README.md.
describe('vendor sample requests', () => {
  it('rejects the create_customer_prepaid page sample: it is the multi-line add_line_nonlifeline_customer action', () => {
    const sample = vendorSample('create_customer_prepaid');
    expect(sample.action).toBe('add_line_nonlifeline_customer');
    expect(issuesOf(sample)).toEqual([
      {
        path: 'action',
        message:
          'action must be one of create_customer_prepaid, create_homephone_customer, handover_activation, change_account_status, equipment_purchase',
      },
    ]);
  });

  it('accepts the line of the create_customer_prepaid sample as a flat order once dob and ssn are added', () => {
    const sample = vendorSample('create_customer_prepaid');
    const [line] = sample.lines as Record<string, unknown>[];
    const flat = {
      ...line,
      action: 'create_customer_prepaid',
      agent_id: sample.agent_id,
      source: sample.source,
    };
    // The add-line form inherits dob and ssn from its parent customer; a flat order must carry them.
    expect(issuesOf(flat)).toEqual([
      { path: 'dob', message: 'dob is required' },
      { path: 'ssn', message: 'ssn is required' },
    ]);
    const order = expectAccepted({ ...flat, dob: '1985-12-01', ssn: '1234' });
    expect(order.model_id).toBe('23');
  });

  it('accepts the create_homephone_customer sample and reads enroll_id as enrollment_id', () => {
    const order = expectAccepted(vendorSample('create_homephone_customer'));
    expect(order.enrollment_id).toBe('WN1597');
  });

  it('accepts the handover_activation sample (trailing comma removed) with source ENROLLMENT_PORTAL and no areacode', () => {
    const sample = vendorSample('handover_activation');
    expect(sample.source).toBe('ENROLLMENT_PORTAL');
    expect(sample).not.toHaveProperty('areacode');
    expectAccepted(sample);
  });

  it('accepts the change_account_status sample as published', () => {
    expectAccepted(vendorSample('change_account_status'));
  });

  it('accepts the equipment_purchase sample: WALLET without card fields, undocumented fields kept', () => {
    const order = expectAccepted(vendorSample('equipment_purchase'));
    expect(order).toMatchObject({ zip_code: '85002', no_of_lines: '1', overnight_shipping: 'Y' });
  });
});
