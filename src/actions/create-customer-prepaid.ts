import { z } from 'zod';
import type { OrderBody } from './action.ts';
import { commonFields } from './common-fields.ts';
import { defineAction } from './define-action.ts';
import { optional, required } from './field.ts';
import {
  address,
  amount,
  city,
  email,
  numeric,
  oneOf,
  personName,
  phone10,
  ssn4,
  state2,
  text,
  yesNo,
  ymd,
  zip4,
  zip5,
} from './formats.ts';
import { is, requireWhen, withOrderRules } from './order-rules.ts';
import { securityAnswers } from './security-answers.ts';

const name = 'create_customer_prepaid';
const addressLine = address();
const billingLine = address({ noPoBox: true });

// The vendor table, field by field. Fields without a stated format are left to pass through.
const fields = {
  ...commonFields(name),
  password: optional(text),
  model_id: optional(numeric),
  first_name: required(personName(1)),
  middle_initial: optional(personName(1)),
  last_name: required(personName(2)),
  alternate_phone_number: optional(phone10),
  email: required(email),
  service_address_one: required(addressLine),
  service_address_two: optional(addressLine),
  service_city: required(city),
  service_state: required(state2),
  service_zip: required(zip5),
  service_zip4: optional(zip4),
  plan_id: required(numeric),
  device_id: optional(numeric),
  imei: optional(numeric),
  brand_code: optional(oneOf(['ASW', 'BST', 'SPP', 'VMU', 'SPR', 'PLD'])),
  sku_type: optional(oneOf(['INTL', 'BYO', 'NEW'])),
  carrier: required(text),
  activation_type: required(oneOf(['NEWACTIVATION', 'PORTIN'])),
  enrollment_type: required(oneOf(['HANDOVER', 'SHIPMENT'])),
  handover_type: optional(oneOf(['cbe'])),
  port_first_name: optional(personName(1)),
  port_last_name: optional(personName(2)),
  port_address_one: optional(addressLine),
  port_address_two: optional(addressLine),
  port_city: optional(city),
  port_state: optional(state2),
  port_zip_code: optional(zip5),
  port_ssn: optional(ssn4),
  port_number: optional(phone10),
  billing_address_one: optional(billingLine),
  billing_address_two: optional(billingLine),
  billing_city: optional(city),
  billing_state: optional(state2),
  billing_zip: optional(zip5),
  billing_zip4: optional(zip4),
  total_tax: optional(amount),
  processing_fee: optional(amount),
  dob: required(ymd),
  ssn: required(ssn4),
  security_questions_answers: securityAnswers,
  is_esim: optional(yesNo),
};

/** Documented as "Only required when Activation_type = PORTIN", plus the number to port. */
const portInFields = ['port_first_name', 'port_last_name', 'port_address_one', 'port_number'];

function buildSchema(): z.ZodType<OrderBody> {
  return withOrderRules(z.looseObject(fields), (order, ctx) => {
    if (is(order, 'activation_type', 'PORTIN')) {
      requireWhen(order, ctx, portInFields, 'activation_type is PORTIN');
    }
    if (is(order, 'enrollment_type', 'HANDOVER')) {
      requireWhen(order, ctx, ['handover_type'], 'enrollment_type is HANDOVER');
    }
    if (is(order, 'phone_type', '4G')) {
      requireWhen(order, ctx, ['uiccid'], 'phone_type is 4G');
    }
  });
}

/** Creates a prepaid customer: a second call may create a second customer. */
export const createCustomerPrepaid = defineAction({
  name,
  module: 'customer',
  queue: 'enrollment',
  buildSchema,
  requiredFields: [
    'enrollment_id',
    'first_name',
    'last_name',
    'email',
    'service_address_one',
    'service_city',
    'service_state',
    'service_zip',
    'plan_id',
    'carrier',
    'activation_type',
    'enrollment_type',
    'dob',
    'ssn',
  ],
  secretFields: [
    'password',
    'dob',
    'ssn',
    'port_ssn',
    'port_account_password',
    'agent_password',
    'ivr_pin',
    'security_questions_answers',
  ],
  idempotency: () => 'side-effecting',
  toVcareBody: (order) => ({ ...order }),
});
