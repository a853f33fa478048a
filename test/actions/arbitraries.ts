import fc from 'fast-check';
import type { ActionDefinition } from '../../src/actions/action.ts';
import { type Body, card, valid, vendorSample } from './orders.ts';

/** Values that hit the interesting branches: triggers of conditional rules, blanks, odd types. */
export const fieldValue = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.object(),
  fc.array(fc.anything(), { maxLength: 4 }),
  fc.constantFrom('', ' ', 'PORTIN', 'HANDOVER', '4G', 'Y', 'N', 'CREDIT_CARD', 'WALLET', 'cbe'),
  fc.constantFrom('4111111111111111', '2020', '13', '08104', 'NJ', 'P.O. Box 1', '1985-02-30'),
);

function keysOf(action: ActionDefinition, bases: Body[], extraKeys: readonly string[]): string[] {
  const keys = new Set([
    ...bases.flatMap((base) => Object.keys(base)),
    ...action.requiredFields,
    ...action.secretFields,
    ...Object.keys(card),
    'payment_method',
    'is_payment_completed',
    'payment_transaction_id',
    'activation_type',
    'enrollment_type',
    'phone_type',
    'enroll_id',
    'coupon_info',
    'security_questions_answers',
    ...extraKeys,
  ]);
  return [...keys];
}

type Mutation = { drop: true; key: string } | { drop: false; key: string; value: unknown };

/**
 * A valid order or vendor sample of `action` with a few fields dropped or set to `value`:
 * mostly near-valid bodies, so both answers are exercised. `extraKeys` are mutated too.
 */
export function mutatedBody(
  action: ActionDefinition,
  options: {
    value?: fc.Arbitrary<unknown>;
    extraKeys?: readonly string[];
    minMutations?: number;
  } = {},
): fc.Arbitrary<Body> {
  const bases = [valid(action.name)];
  if (action.name !== 'create_customer_prepaid') bases.push(vendorSample(action.name));
  const key = fc.oneof(
    fc.constantFrom(...keysOf(action, bases, options.extraKeys ?? [])),
    fc.string(),
  );
  const value = options.value ?? fieldValue;
  const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    fc.record({ drop: fc.constant(true as const), key }),
    fc.record({ drop: fc.constant(false as const), key, value }),
  );
  const mutations = fc.array(mutation, { minLength: options.minMutations ?? 1, maxLength: 5 });
  return fc.tuple(fc.constantFrom(...bases), mutations).map(([base, list]) => {
    const body: Body = { ...base };
    for (const m of list) {
      if (m.drop) delete body[m.key];
      else body[m.key] = m.value;
    }
    return body;
  });
}

/** Anything at all, or an object of random fields naming `action`. */
export function randomBody(
  action: ActionDefinition,
  value: fc.Arbitrary<unknown> = fieldValue,
): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.anything(),
    fc.dictionary(fc.string(), value).map((body) => ({ ...body, action: action.name })),
  );
}
