import type { CustomerStore } from './customer-store.ts';

/** What running an action did: a success (with its effect applied) or a RESTAPI110 refusal. */
export type ActionResult =
  | {
      ok: true;
      /** `data` of the success body; absent when vCare answers msg only. */
      data?: Record<string, unknown>;
      /** Extra top-level success fields some pages show (`success` on handover). */
      extra?: Record<string, unknown>;
      /** Whether a side effect was applied (and belongs in the ledger). */
      effect: boolean;
    }
  | { ok: false; errors: string[] };

/** Simulates one vCare action on the sandbox's state. The body has passed every check. */
export type ActionBehaviour = (
  body: Readonly<Record<string, unknown>>,
  enrollmentId: string,
  customers: CustomerStore,
) => ActionResult;

function text(value: unknown): string | null {
  if (typeof value === 'string') return value === '' ? null : value;
  if (typeof value === 'number') return String(value);
  return null;
}

function alreadyExists(enrollmentId: string): ActionResult {
  return { ok: false, errors: [`Customer already exists for enrollment ${enrollmentId}`] };
}

const purchased = { msg: 'Equipment Successfully purchased!!', msg_code: 0 };

const createCustomerPrepaid: ActionBehaviour = (body, enrollmentId, customers) => {
  const customer = customers.create({
    enrollmentId,
    firstName: text(body.first_name),
    lastName: text(body.last_name),
    planId: text(body.plan_id),
    state: text(body.service_state),
  });
  if (customer === undefined) return alreadyExists(enrollmentId);
  const data: Record<string, unknown> = {
    cust_id: customer.id,
    customer_id: customer.id,
    enrollment_id: enrollmentId,
    enrollment_type: text(body.enrollment_type),
  };
  if (text(body.model_id) !== null) data.equipment_purchase = { ...purchased };
  data.invoice_number = null;
  data.mdn = null;
  data.msid = null;
  data.msl = '';
  return { ok: true, data, effect: true };
};

const createHomephoneCustomer: ActionBehaviour = (body, enrollmentId, customers) => {
  const customer = customers.create({
    enrollmentId,
    firstName: text(body.f_name),
    lastName: text(body.l_name),
    planId: text(body.plan_id),
    state: text(body.state),
  });
  if (customer === undefined) return alreadyExists(enrollmentId);
  const data = {
    cust_id: customer.id,
    customer_id: customer.id,
    pending_id: Number(customer.id),
    enrollment_id: enrollmentId,
  };
  return { ok: true, data, effect: true };
};

// Lenient on purpose: an activation for an enrollment the sandbox never saw created still
// succeeds (orders may reach it without their enrollment), with the customer fields null.
const handoverActivation: ActionBehaviour = (_body, enrollmentId, customers) => {
  const customer = customers.get(enrollmentId);
  const data = {
    enrollment_id: enrollmentId,
    customer_id: customer?.id ?? null,
    customer_firstname: customer?.firstName ?? null,
    customer_lastname: customer?.lastName ?? null,
    plan_id: customer?.planId ?? null,
    plan_price: '0.00',
    customer_state: customer?.state ?? null,
  };
  return { ok: true, data, extra: { success: 'successfully proceed' }, effect: true };
};

/** A model id no catalogue holds: the sandbox's way to fail one purchase (of a chain, say) for good. */
export const UNKNOWN_MODEL_ID = '0';

const equipmentPurchase: ActionBehaviour = (body) => {
  if (text(body.model_id) === UNKNOWN_MODEL_ID) {
    return { ok: false, errors: [`Model ${UNKNOWN_MODEL_ID} does not exist`] };
  }
  return { ok: true, data: { ...purchased }, effect: true };
};

/** An action without a simulation of its own answers a bare success and counts an effect. */
export const genericBehaviour: ActionBehaviour = () => ({ ok: true, effect: true });

/**
 * How vCare answers each action, keyed by vCare action name. Routing and required fields
 * come from the action registry; this table only says what a success looks like.
 */
export const actionBehaviours: ReadonlyMap<string, ActionBehaviour> = new Map([
  ['create_customer_prepaid', createCustomerPrepaid],
  ['create_homephone_customer', createHomephoneCustomer],
  ['handover_activation', handoverActivation],
  ['equipment_purchase', equipmentPurchase],
  ['change_account_status', genericBehaviour],
]);
