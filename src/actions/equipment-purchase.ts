import { z } from 'zod';
import type { OrderBody } from './action.ts';
import {
  cardNumber,
  cardPaymentFields,
  cardSecretFields,
  cardType,
  checkCardExpiry,
  cvv,
  expirationMonth,
  expirationYear,
} from './card.ts';
import { commonFields } from './common-fields.ts';
import { defineAction } from './define-action.ts';
import { optional, optionalList, required } from './field.ts';
import { address, city, numeric, oneOf, state2, text, yesNo, zip5 } from './formats.ts';
import { type Clock, type Draft, is, requireWhen, withOrderRules } from './order-rules.ts';

const name = 'equipment_purchase';
const addressLine = address();

// The table marks the card and billing fields Required, yet the vendor sample pays by WALLET
// without them: they are required only for an unpaid CREDIT_CARD purchase (rules below).
const fields = {
  ...commonFields(name),
  card_type: optional(cardType),
  // "Valid card number": up to 19 digits, the longest issued (the handover page caps at 16).
  card_number: optional(cardNumber(19)),
  cvv: optional(cvv),
  expiration_month: optional(expirationMonth),
  expiration_year: optional(expirationYear),
  name_on_card: optional(text),
  billing_state: optional(state2),
  billing_city: optional(city),
  billing_zip: optional(zip5),
  billing_address1: optional(address({ noPoBox: true })),
  billing_address2: optional(address({ noPoBox: true })),
  shipping_address1: optional(addressLine),
  shipping_address2: optional(addressLine),
  shipping_state: optional(state2),
  shipping_city: optional(city),
  shipping_zip: optional(zip5),
  payment_method: optional(oneOf(['CREDIT_CARD', 'WALLET', 'COURTESY'])),
  model_id: required(numeric),
  overnight_shipping_fee: optional(yesNo),
  shipping_address_same_as_billing: optional(yesNo),
  is_payment_completed: optional(yesNo),
  payment_transaction_id: optional(text),
  skip_transaction: optional(yesNo),
  is_tax_required: optional(yesNo),
  tax_calculation_zip: optional(zip5),
  model_child_id: optionalList(),
  byod_esn: optionalList(),
  shipping_charges: optionalList(),
};

function checkPayment(order: Draft, ctx: z.RefinementCtx): void {
  if (is(order, 'is_payment_completed', 'Y')) {
    // "…do not need to pass payment_method": the payment happened elsewhere.
    requireWhen(order, ctx, ['payment_transaction_id'], 'is_payment_completed is Y');
    return;
  }
  requireWhen(order, ctx, ['payment_method'], 'is_payment_completed is not Y');
  if (is(order, 'payment_method', 'CREDIT_CARD')) {
    requireWhen(order, ctx, cardPaymentFields, 'payment_method is CREDIT_CARD');
  }
}

function buildSchema(clock: Clock): z.ZodType<OrderBody> {
  return withOrderRules(z.looseObject(fields), (order, ctx) => {
    checkPayment(order, ctx);
    checkCardExpiry(order, ctx, clock());
  });
}

/** Buys equipment, possibly charging a card: a second call may buy and charge twice. */
export const equipmentPurchase = defineAction({
  name,
  module: 'equipment',
  queue: 'purchase',
  buildSchema,
  requiredFields: ['enrollment_id', 'model_id'],
  secretFields: [...cardSecretFields, 'agent_password'],
  idempotency: () => 'side-effecting',
  toVcareBody: (order) => ({ ...order }),
});
