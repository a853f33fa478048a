import { describe, expect, it } from 'vitest';
import { changeAccountStatus } from '../../src/actions/change-account-status.ts';
import { expectAccepted, expectOnlyIssue, valid } from './orders.ts';

const order = (changes: Record<string, unknown> = {}) => valid('change_account_status', changes);

describe('change_account_status', () => {
  it.each([
    ['status', 'Closed', 'must be one of Suspend, Restore, Inactive, Cancel, Active'],
    ['account_change_type', 'Paper', 'must be one of Electronically, Non-Electronically'],
    ['transfer_exception_code', 'TE5', 'must be one of TE1, TE2, TE3, TE4'],
    ['nlad_process_type', 'delete', 'must be one of transfer, enroll, update'],
    ['enrollment_id', 'EGK 1317', 'must contain only letters and digits'],
  ])('reports %s = %j: "%s"', (field, value, predicate) => {
    expectOnlyIssue(order({ [field]: value }), field, predicate);
  });

  it.each(['Suspend', 'Restore', 'Inactive', 'Cancel', 'Active'])('accepts status %s', (status) => {
    expectAccepted(order({ status }));
  });

  it('accepts any case and sends the vendor spelling', () => {
    const parsed = expectAccepted(
      order({
        status: 'SUSPEND',
        account_change_type: 'non-electronically',
        nlad_process_type: 'Transfer',
      }),
    );
    expect(parsed).toMatchObject({
      status: 'Suspend',
      account_change_type: 'Non-Electronically',
      nlad_process_type: 'transfer',
    });
  });

  it('passes remark and suspend_issue_id through', () => {
    const parsed = expectAccepted(order({ remark: 'late payment', suspend_issue_id: '12' }));
    expect(changeAccountStatus.toVcareBody(parsed)).toMatchObject({
      remark: 'late payment',
      suspend_issue_id: '12',
    });
  });

  it('is idempotent: setting the same status twice changes nothing more', () => {
    expect(changeAccountStatus.idempotency(expectAccepted(order()))).toBe('idempotent');
  });
});
