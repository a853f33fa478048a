import { describe, expect, it } from 'vitest';
import { handoverActivation } from '../../src/actions/handover-activation.ts';
import { card, expectAccepted, expectOnlyIssue, issuesOf, valid, vendorSample } from './orders.ts';

const order = (changes: Record<string, unknown> = {}) => valid('handover_activation', changes);
const cardFields = Object.keys(card);

describe('handover_activation formats', () => {
  it.each([
    ['esn', '4544-5464', 'must contain only letters and digits'],
    ['areacode', '012', 'must be a 3-digit area code (first digit 2 to 9)'],
    [
      'card_type',
      'Diners',
      'must be one of Visa, Master, MasterCard, Discover, Amex, American Express',
    ],
    ['card_number', '4111111111111110', 'fails the Luhn check'],
    ['card_number', '41111111111111111', 'must be 13 to 16 digits'],
    ['card_number', '4111 1111 1111 1111', 'must contain only digits'],
    ['cvv', '12', 'must be 3 or 4 digits'],
    ['expiration_month', '13', 'must be a month from 01 to 12'],
    ['expiration_year', '30', 'must be exactly 4 digits'],
    ['billing_state', 'CAL', 'must be a two-letter US state code'],
    ['billing_city', 'San Jose 1', 'may contain only letters, spaces and hyphens'],
    ['billing_zip', '9000A', 'must be exactly 5 digits'],
    ['billing_address1', 'PO Box 5', 'must not be a PO Box'],
    ['billing_address1', '123 Main St #4', 'may contain only letters, digits, spaces and / -'],
    ['billing_address2', 'x'.repeat(51), 'must be at most 50 characters'],
    ['service_zip', '745011', 'must be exactly 5 digits'],
    ['set_autopay', 'true', 'must be one of Y, N'],
    ['device_benefit_already_reimbursed', 'maybe', 'must be one of Y, N'],
    ['is_free_phone_order', '1', 'must be one of Y, N'],
    ['is_paid_phone_order', 'no', 'must be one of Y, N'],
  ])('reports %s = %j: "%s"', (field, value, predicate) => {
    // payment_method CASH keeps a lone card field from triggering the card-together rule.
    expectOnlyIssue(order({ payment_method: 'CASH', [field]: value }), field, predicate);
  });

  it('checks coupon_info as an object and its address formats', () => {
    expectOnlyIssue(
      order({ coupon_info: ['TEST11'] }),
      'coupon_info',
      'must be an object such as {"coupon_code": "…", "zip_code": "…"}',
    );
    expectOnlyIssue(
      order({ coupon_info: { zip_code: '7160' } }),
      'coupon_info.zip_code',
      'must be exactly 5 digits',
    );
    expectAccepted(order({ coupon_info: '' }));
  });

  it('accepts card types of both vendor pages in any case', () => {
    for (const type of ['VISA', 'mastercard', 'Master', 'AMERICAN EXPRESS', 'amex', 'Discover']) {
      expectAccepted(order({ ...card, payment_method: 'CREDIT_CARD', card_type: type }));
    }
  });

  it('does not require areacode (absent from the vendor sample) but checks it when sent', () => {
    expectAccepted(order());
    expectAccepted(order({ areacode: '405' }));
  });
});

describe('handover_activation card payment', () => {
  it('requires the card and billing fields together when payment_method is CREDIT_CARD', () => {
    expect(issuesOf(order({ payment_method: 'CREDIT_CARD' }))).toEqual(
      cardFields.map((path) => ({
        path,
        message: `${path} is required when payment_method is CREDIT_CARD`,
      })),
    );
    expectAccepted(order({ payment_method: 'credit_card', ...card }));
  });

  it('treats card data without payment_method as a card payment (the vendor default)', () => {
    const issues = issuesOf(order({ card_number: '4111111111111111' }));
    expect(issues.map((i) => i.path)).toEqual(cardFields.filter((f) => f !== 'card_number'));
    expect(issues[0]?.message).toBe(
      'card_type is required when card data is sent (paying by card)',
    );
    expectAccepted(order(card));
  });

  it('does not require card fields for other payment methods or none', () => {
    expectAccepted(order({ payment_method: 'COUPONCODE' }));
    expectAccepted(order({ payment_method: 'CASH', card_type: '', card_number: '' }));
    expectAccepted(order());
  });

  it('rejects a card that expired before the current month and accepts the current month', () => {
    const paid = { ...card, payment_method: 'CREDIT_CARD' };
    expectOnlyIssue(
      order({ ...paid, expiration_month: '05', expiration_year: '2025' }),
      'expiration_year',
      'with expiration_month is in the past: the card has expired',
    );
    expectAccepted(order({ ...paid, expiration_month: '6', expiration_year: '2025' }));
  });
});

describe('handover_activation idempotency', () => {
  const classOf = (changes: Record<string, unknown>) =>
    handoverActivation.idempotency(expectAccepted(order(changes)));

  it('is idempotent without any payment data', () => {
    expect(classOf({})).toBe('idempotent');
    expect(
      classOf({
        card_number: '',
        payment_method: '',
        is_paid_phone_order: 'N',
        is_free_phone_order: 'Y',
      }),
    ).toBe('idempotent');
  });

  it.each([
    ['a card payment', { ...card, payment_method: 'CREDIT_CARD' }],
    ['card data without payment_method', card],
    ['any payment method', { payment_method: 'CASH' }],
    ['a paid phone order', { is_paid_phone_order: 'Y' }],
    ['a coupon', { coupon_info: { coupon_code: 'TEST11' } }],
  ])('is side-effecting with %s', (_case, changes) => {
    expect(classOf(changes)).toBe('side-effecting');
  });

  it('is side-effecting for the vendor sample (a coupon payment)', () => {
    const sample = expectAccepted(vendorSample('handover_activation'));
    expect(handoverActivation.idempotency(sample)).toBe('side-effecting');
  });
});
