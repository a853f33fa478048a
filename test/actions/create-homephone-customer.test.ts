import { describe, expect, it } from 'vitest';
import { createHomephoneCustomer } from '../../src/actions/create-homephone-customer.ts';
import { expectAccepted, expectOnlyIssue, issuesOf, valid, without } from './orders.ts';

const order = (changes: Record<string, unknown> = {}) =>
  valid('create_homephone_customer', changes);

describe('create_homephone_customer formats', () => {
  it.each([
    ['zip_code', '3090', 'must be exactly 5 digits'],
    ['plan_id', '12x', 'must contain only digits'],
    ['ssnum', '343', 'must be exactly 4 digits'],
    ['phone_number', '456789076', 'must be exactly 10 digits'],
    ['telephone_number', '98654567821', 'must be exactly 10 digits'],
    ['state', 'Georgia', 'must be a two-letter US state code'],
    ['city', 'AUGUSTA1', 'may contain only letters, spaces and hyphens'],
    ['sameaddress', 'yes', 'must contain only digits'],
    [
      'f_name',
      'R4KESH',
      'may contain only letters, spaces, apostrophes, grave accents (`) and hyphens',
    ],
    ['l_name', '3', 'may contain only letters, spaces, apostrophes, grave accents (`) and hyphens'],
    ['email', 'teae123', 'must be a valid email address'],
    ['features', '1577', 'must be a list (JSON array)'],
    ['features', [], 'must list at least one entry'],
  ])('reports %s = %j: "%s"', (field, value, predicate) => {
    expectOnlyIssue(order({ [field]: value }), field, predicate);
  });

  it('reports a bad features entry by index', () => {
    expectOnlyIssue(order({ features: ['1577', 'x1'] }), 'features.1', 'must contain only digits');
  });

  it('accepts the Numeric fields as numbers or digit strings and sends strings', () => {
    const parsed = expectAccepted(
      order({
        zip_code: 30901,
        plan_id: 262,
        ssnum: 3437,
        phone_number: 4567890765,
        features: [1577, '1680'],
      }),
    );
    expect(parsed).toMatchObject({
      zip_code: '30901',
      plan_id: '262',
      ssnum: '3437',
      phone_number: '4567890765',
      features: ['1577', '1680'],
    });
  });
});

describe('create_homephone_customer enrollment id spellings', () => {
  it('reads enroll_id as enrollment_id and sends both', () => {
    const parsed = expectAccepted(without(order({ enroll_id: 'WN1597' }), 'enrollment_id'));
    expect(parsed.enrollment_id).toBe('WN1597');
    expect(createHomephoneCustomer.toVcareBody(parsed)).toMatchObject({
      enrollment_id: 'WN1597',
      enroll_id: 'WN1597',
    });
  });

  it('sends enroll_id too when only enrollment_id is given', () => {
    const parsed = expectAccepted(order());
    expect(createHomephoneCustomer.toVcareBody(parsed)).toMatchObject({ enroll_id: 'WSN3706' });
  });

  it('accepts both when they agree and rejects them when they differ', () => {
    expectAccepted(order({ enroll_id: 'WSN3706' }));
    expectOnlyIssue(
      order({ enroll_id: 'OTHER1' }),
      'enroll_id',
      'must equal enrollment_id when both are sent',
    );
  });

  it('reports enrollment_id as required when neither spelling is sent', () => {
    expect(issuesOf(without(order(), 'enrollment_id'))).toEqual([
      { path: 'enrollment_id', message: 'enrollment_id is required' },
    ]);
  });
});

describe('create_homephone_customer definition', () => {
  it('is side-effecting: a repeat may create a second customer', () => {
    expect(createHomephoneCustomer.idempotency(expectAccepted(order()))).toBe('side-effecting');
  });

  it('keeps the Conditional fields optional', () => {
    expectAccepted(order({ state: '', city: '', l_name: '', email: '', telephone_number: '' }));
  });
});
