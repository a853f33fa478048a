import type { z } from 'zod';
import { type Format, matches } from './field.ts';
import { type Draft, textOf } from './order-rules.ts';

function passesLuhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

/** Digits only, 13 up to `maxDigits` long, and a valid Luhn check digit. */
export function cardNumber(maxDigits: number): Format {
  return {
    rules: [
      matches(/^\d+$/, 'must contain only digits'),
      {
        test: (v) => v.length >= 13 && v.length <= maxDigits,
        message: `must be 13 to ${maxDigits} digits`,
      },
      { test: passesLuhn, message: 'fails the Luhn check' },
    ],
    expected: 'a card number',
    numeric: true,
  };
}

export const cvv: Format = {
  rules: [matches(/^\d{3,4}$/, 'must be 3 or 4 digits')],
  expected: '3 or 4 digits',
  numeric: true,
};

export const expirationMonth: Format = {
  rules: [matches(/^(0?[1-9]|1[0-2])$/, 'must be a month from 01 to 12')],
  expected: 'a month from 01 to 12',
  numeric: true,
};

export const expirationYear: Format = {
  rules: [matches(/^\d{4}$/, 'must be exactly 4 digits')],
  expected: '4 digits',
  numeric: true,
};

const cardTypes = ['Visa', 'Master', 'MasterCard', 'Discover', 'Amex', 'American Express'];
const cardTypeSet = new Set(cardTypes.map((type) => type.toUpperCase()));

/**
 * The equipment page lists Visa, Master, Discover, Amex; the handover page VISA, MASTERCARD,
 * DISCOVER, AMERICAN EXPRESS, AMEX. Either spelling in any case is accepted and sent as given,
 * since vCare evidently reads both.
 */
export const cardType: Format = {
  rules: [
    {
      test: (v) => cardTypeSet.has(v.toUpperCase()),
      message: `must be one of ${cardTypes.join(', ')}`,
    },
  ],
  expected: `one of ${cardTypes.join(', ')}`,
};

/** What a card payment needs: the card itself and the billing address it is registered to. */
export const cardPaymentFields = [
  'card_type',
  'card_number',
  'cvv',
  'expiration_month',
  'expiration_year',
  'name_on_card',
  'billing_address1',
  'billing_city',
  'billing_state',
  'billing_zip',
] as const;

/** Card data that is secret wherever the action carries a card. */
export const cardSecretFields = ['card_number', 'cvv', 'expiration_month', 'expiration_year'];

/**
 * A card is good through the last day of its expiration month. Only checked when both parts
 * are well-formed (their own rules report them otherwise).
 */
export function checkCardExpiry(order: Draft, ctx: z.RefinementCtx, now: Date): void {
  const month = textOf(order, 'expiration_month');
  const year = textOf(order, 'expiration_year');
  if (!month || !year) return;
  if (!expirationMonth.rules.every((r) => r.test(month))) return;
  if (!expirationYear.rules.every((r) => r.test(year))) return;
  const expiry = Number(year) * 12 + Number(month) - 1;
  const current = now.getUTCFullYear() * 12 + now.getUTCMonth();
  if (expiry < current) {
    ctx.addIssue({
      code: 'custom',
      path: ['expiration_year'],
      message: 'with expiration_month is in the past: the card has expired',
    });
  }
}
