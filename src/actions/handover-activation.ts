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
import { couponInfo } from './coupon-info.ts';
import { defineAction } from './define-action.ts';
import { isBlank, optional, required } from './field.ts';
import { address, alphanumeric, areaCode, city, state2, text, yesNo, zip5 } from './formats.ts';
import { type Clock, type Draft, is, requireWhen, withOrderRules } from './order-rules.ts';

const name = 'handover_activation';
// This page's billing lines: letters, digits, space, hyphen, slash; 50 at most; no PO Box.
const billingLine = address({ hash: false, maxLength: 50, noPoBox: true });

const fields = {
  ...commonFields(name),
  esn: required(alphanumeric),
  // Required in the table, absent from the vendor sample: checked when sent, not required.
  areacode: optional(areaCode),
  card_type: optional(cardType),
  card_number: optional(cardNumber(16)),
  cvv: optional(cvv),
  expiration_month: optional(expirationMonth),
  expiration_year: optional(expirationYear),
  name_on_card: optional(text),
  billing_state: optional(state2),
  billing_city: optional(city),
  billing_zip: optional(zip5),
  billing_address1: optional(billingLine),
  billing_address2: optional(billingLine),
  payment_method: optional(text),
  set_autopay: optional(yesNo),
  service_zip: optional(zip5),
  device_benefit_already_reimbursed: optional(yesNo),
  is_free_phone_order: optional(yesNo),
  is_paid_phone_order: optional(yesNo),
  coupon_info: couponInfo,
};

const cardOnly = ['card_type', 'card_number', 'cvv', 'expiration_month', 'expiration_year'];
const sendsCardData = (order: Draft) => cardOnly.some((field) => !isBlank(order[field]));

/**
 * The vendor's "Required if ACTION=sale or auth" names no action that exists here; its intent
 * is a card payment. payment_method defaults to CREDIT_CARD, so card data without a method is
 * a card payment too, and then the whole card and its billing address are needed.
 */
function checkCardPayment(order: Draft, ctx: z.RefinementCtx): void {
  if (is(order, 'payment_method', 'CREDIT_CARD')) {
    requireWhen(order, ctx, cardPaymentFields, 'payment_method is CREDIT_CARD');
  } else if (isBlank(order.payment_method) && sendsCardData(order)) {
    requireWhen(order, ctx, cardPaymentFields, 'card data is sent (paying by card)');
  }
}

function buildSchema(clock: Clock): z.ZodType<OrderBody> {
  return withOrderRules(z.looseObject(fields), (order, ctx) => {
    checkCardPayment(order, ctx);
    checkCardExpiry(order, ctx, clock());
  });
}

/**
 * A handover moves money or value when it names any payment method (card charge, cash
 * receipt, coupon redemption), carries card data, is a paid phone order or redeems a coupon.
 * Only a handover with none of these is idempotent: vCare activates an enrollment once and
 * answers a repeat without a second effect.
 */
function carriesPayment(order: OrderBody): boolean {
  const coupon = order.coupon_info;
  const couponCode =
    typeof coupon === 'object' && coupon !== null && !isBlank(Reflect.get(coupon, 'coupon_code'));
  return (
    !isBlank(order.payment_method) ||
    sendsCardData(order) ||
    is(order, 'is_paid_phone_order', 'Y') ||
    couponCode
  );
}

/** Activates a handover enrollment; side-effecting when it pays (see `carriesPayment`). */
export const handoverActivation = defineAction({
  name,
  module: 'handover',
  queue: 'activation',
  buildSchema,
  requiredFields: ['enrollment_id', 'esn'],
  secretFields: [...cardSecretFields, 'agent_password'],
  idempotency: (order) => (carriesPayment(order) ? 'side-effecting' : 'idempotent'),
  toVcareBody: (order) => ({ ...order }),
});
