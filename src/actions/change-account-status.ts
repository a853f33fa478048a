import { z } from 'zod';
import type { OrderBody } from './action.ts';
import { commonFields } from './common-fields.ts';
import { defineAction } from './define-action.ts';
import { optional, required } from './field.ts';
import { oneOf } from './formats.ts';

const name = 'change_account_status';

const fields = {
  ...commonFields(name),
  status: required(oneOf(['Suspend', 'Restore', 'Inactive', 'Cancel', 'Active'])),
  account_change_type: optional(oneOf(['Electronically', 'Non-Electronically'])),
  transfer_exception_code: optional(oneOf(['TE1', 'TE2', 'TE3', 'TE4'])),
  nlad_process_type: optional(oneOf(['transfer', 'enroll', 'update'])),
};

function buildSchema(): z.ZodType<OrderBody> {
  return z.looseObject(fields);
}

/** Sets a customer's status: setting the same status twice leaves the account as once. */
export const changeAccountStatus = defineAction({
  name,
  module: 'customer',
  queue: 'status-change',
  buildSchema,
  requiredFields: ['enrollment_id', 'status'],
  secretFields: ['agent_password'],
  idempotency: () => 'idempotent',
  toVcareBody: (order) => ({ ...order }),
});
