import { z } from 'zod';
import type { OrderBody } from './action.ts';
import { commonFields } from './common-fields.ts';
import { defineAction } from './define-action.ts';
import { isBlank, optional, required, requiredList } from './field.ts';
import { city, email, numeric, personName, phone10, ssn4, state2, text, zip5 } from './formats.ts';
import { textOf, withOrderRules } from './order-rules.ts';

const name = 'create_homephone_customer';

// The table types zip_code, plan_id, ssnum, phone_number "Numeric" while its sample sends
// strings: both are accepted and parsing turns numbers into strings (see `numeric` formats).
const fields = {
  ...commonFields(name),
  zip_code: required(zip5),
  features: requiredList(numeric),
  plan_id: required(numeric),
  order_type: required(text),
  ssnum: required(ssn4),
  state: optional(state2),
  city: optional(city),
  sameaddress: optional(numeric),
  f_name: required(personName(1)),
  l_name: optional(personName(1)),
  carrier: required(text),
  email: optional(email),
  phone_number: required(phone10),
  telephone_number: optional(phone10),
};

/**
 * The table names the field `enrollment_id`, the vendor sample sends `enroll_id`: either is
 * accepted and the parsed order always carries `enrollment_id`.
 */
function adoptEnrollId(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const record = body as Record<string, unknown>;
  if (!isBlank(record.enrollment_id) || isBlank(record.enroll_id)) return body;
  return { ...record, enrollment_id: record.enroll_id };
}

function buildSchema(): z.ZodType<OrderBody> {
  const object = withOrderRules(z.looseObject(fields), (order, ctx) => {
    const alias = textOf(order, 'enroll_id');
    if (alias !== undefined && alias !== textOf(order, 'enrollment_id')) {
      ctx.addIssue({
        code: 'custom',
        path: ['enroll_id'],
        message: 'must equal enrollment_id when both are sent',
      });
    }
  });
  return z.preprocess(adoptEnrollId, object);
}

/** Creates a home phone customer: a second call may create a second customer. */
export const createHomephoneCustomer = defineAction({
  name,
  module: 'customer',
  queue: 'enrollment',
  buildSchema,
  requiredFields: [
    'enrollment_id',
    'zip_code',
    'features',
    'plan_id',
    'order_type',
    'ssnum',
    'f_name',
    'carrier',
    'phone_number',
  ],
  secretFields: ['ssnum', 'agent_password'],
  idempotency: () => 'side-effecting',
  // Both spellings go out: the table documents `enrollment_id`, the sample (what vCare's own
  // portal sends) uses `enroll_id`, and sending both cannot be misread.
  toVcareBody: (order) => ({ ...order, enroll_id: order.enrollment_id }),
});
