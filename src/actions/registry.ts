import type { ActionDefinition } from './action.ts';
import { changeAccountStatus } from './change-account-status.ts';
import { createCustomerPrepaid } from './create-customer-prepaid.ts';
import { createHomephoneCustomer } from './create-homephone-customer.ts';
import { equipmentPurchase } from './equipment-purchase.ts';
import { handoverActivation } from './handover-activation.ts';

/** Every vCare action the service runs. A new action is one module and one line here. */
export const actions: readonly ActionDefinition[] = [
  createCustomerPrepaid,
  createHomephoneCustomer,
  handoverActivation,
  changeAccountStatus,
  equipmentPurchase,
];

const byName = new Map(actions.map((action) => [action.name, action]));

/** The action named by an order's `action` field, if the service runs it. */
export function findAction(name: string): ActionDefinition | undefined {
  return byName.get(name);
}
