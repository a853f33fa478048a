import { describe, expect, it } from 'vitest';
import { equipmentPurchase } from '../../src/actions/equipment-purchase.ts';
import { card, expectAccepted, expectOnlyIssue, issuesOf, valid, without } from './orders.ts';

const order = (changes: Record<string, unknown> = {}) => valid('equipment_purchase', changes);
const wallet = (changes: Record<string, unknown> = {}) =>
  without({ ...order({ payment_method: 'WALLET' }), ...changes }, ...Object.keys(card));
const cardFields = Object.keys(card);

describe('equipment_purchase formats', () => {
  it.each([
    ['model_id', 'A48', 'must contain only digits'],
    ['payment_method', 'CASH', 'must be one of CREDIT_CARD, WALLET, COURTESY'],
    [
      'card_type',
      'Diners',
      'must be one of Visa, Master, MasterCard, Discover, Amex, American Express',
    ],
    ['card_number', '4111111111111112', 'fails the Luhn check'],
    ['card_number', '411111111111', 'must be 13 to 19 digits'],
    ['cvv', '12345', 'must be 3 or 4 digits'],
    ['expiration_month', '0', 'must be a month from 01 to 12'],
    ['expiration_year', '203', 'must be exactly 4 digits'],
    ['billing_state', 'M', 'must be a two-letter US state code'],
    ['billing_city', 'Balt1more', 'may contain only letters, spaces and hyphens'],
    ['billing_zip', '2121', 'must be exactly 5 digits'],
    ['billing_address1', 'P O Box 9', 'must not be a PO Box'],
    ['billing_address2', 'Apt 1; rear', 'may contain only letters, digits, spaces and / # -'],
    ['shipping_address1', '123 Main St.', 'may contain only letters, digits, spaces and / # -'],
    ['shipping_state', 'MDD', 'must be a two-letter US state code'],
    ['shipping_city', 'B@ltimore', 'may contain only letters, spaces and hyphens'],
    ['shipping_zip', '212189', 'must be exactly 5 digits'],
    ['tax_calculation_zip', 'ABCDE', 'must be exactly 5 digits'],
    ['overnight_shipping_fee', 'yes', 'must be one of Y, N'],
    ['shipping_address_same_as_billing', 'X', 'must be one of Y, N'],
    ['skip_transaction', 'true', 'must be one of Y, N'],
    ['is_tax_required', '0', 'must be one of Y, N'],
    ['model_child_id', '12', 'must be a list (JSON array)'],
    ['byod_esn', { esn: '1' }, 'must be a list (JSON array)'],
    ['shipping_charges', 5, 'must be a list (JSON array)'],
  ])('reports %s = %j: "%s"', (field, value, predicate) => {
    expectOnlyIssue(order({ [field]: value }), field, predicate);
  });

  it('accepts a PO Box as a shipping address but not as a billing one', () => {
    expectAccepted(order({ shipping_address1: 'PO Box 12' }));
  });

  it('accepts array fields as lists, or "" as the vendor sample sends', () => {
    expectAccepted(order({ model_child_id: ['1', '2'], byod_esn: [], shipping_charges: '' }));
  });
});

describe('equipment_purchase payment rules', () => {
  it('requires card and billing fields for an unpaid CREDIT_CARD purchase', () => {
    expect(issuesOf(wallet({ payment_method: 'CREDIT_CARD' }))).toEqual(
      cardFields.map((path) => ({
        path,
        message: `${path} is required when payment_method is CREDIT_CARD`,
      })),
    );
    expectAccepted(order());
  });

  it('needs no card for WALLET or COURTESY', () => {
    expectAccepted(wallet());
    expectAccepted(wallet({ payment_method: 'COURTESY' }));
  });

  it('requires payment_method unless is_payment_completed is Y', () => {
    expectOnlyIssue(
      without(wallet(), 'payment_method'),
      'payment_method',
      'is required when is_payment_completed is not Y',
    );
    expectAccepted(
      without(
        wallet({ is_payment_completed: 'Y', payment_transaction_id: 'B20P2F430EF4' }),
        'payment_method',
      ),
    );
  });

  it('requires payment_transaction_id when is_payment_completed is Y, and not otherwise', () => {
    expectOnlyIssue(
      wallet({ is_payment_completed: 'Y' }),
      'payment_transaction_id',
      'is required when is_payment_completed is Y',
    );
    expectAccepted(wallet({ is_payment_completed: 'N' }));
  });

  it('needs no card for CREDIT_CARD once the payment is completed', () => {
    expectAccepted(
      wallet({
        payment_method: 'CREDIT_CARD',
        is_payment_completed: 'Y',
        payment_transaction_id: 'B20P2F430EF4',
      }),
    );
  });

  it('rejects an expired card and accepts one expiring this month', () => {
    expectOnlyIssue(
      order({ expiration_month: '12', expiration_year: '2024' }),
      'expiration_year',
      'with expiration_month is in the past: the card has expired',
    );
    expectAccepted(order({ expiration_month: '06', expiration_year: 2025 }));
  });
});

describe('equipment_purchase definition', () => {
  it('is side-effecting even when the payment was completed elsewhere', () => {
    expect(equipmentPurchase.idempotency(expectAccepted(order()))).toBe('side-effecting');
    expect(equipmentPurchase.idempotency(expectAccepted(wallet()))).toBe('side-effecting');
  });
});
