import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ActionDefinition } from '../../src/actions/action.ts';
import { actions } from '../../src/actions/registry.ts';
import { validateOrder } from '../../src/actions/validate.ts';
import { type Body, card, now, valid, vendorSample } from './orders.ts';

const runs = 2000;

/** Values that hit the interesting branches: triggers of conditional rules, blanks, odd types. */
const value = fc.oneof(
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

function keysOf(action: ActionDefinition, bases: Body[]): string[] {
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
  ]);
  return [...keys];
}

type Mutation = { drop: true; key: string } | { drop: false; key: string; value: unknown };

function mutated(action: ActionDefinition): fc.Arbitrary<unknown> {
  const bases = [valid(action.name)];
  if (action.name !== 'create_customer_prepaid') bases.push(vendorSample(action.name));
  const key = fc.oneof(fc.constantFrom(...keysOf(action, bases)), fc.string());
  const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    fc.record({ drop: fc.constant(true as const), key }),
    fc.record({ drop: fc.constant(false as const), key, value }),
  );
  return fc
    .tuple(fc.constantFrom(...bases), fc.array(mutation, { minLength: 1, maxLength: 5 }))
    .map(([base, mutations]) => {
      const body: Body = { ...base };
      for (const m of mutations) {
        if (m.drop) delete body[m.key];
        else body[m.key] = m.value;
      }
      return body;
    });
}

function randomBody(action: ActionDefinition): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.anything(),
    fc.dictionary(fc.string(), value).map((body) => ({ ...body, action: action.name })),
  );
}

describe('validateOrder on random and mutated bodies', () => {
  it.each(actions.map((a) => [a.name, a] as const))(
    '%s: never throws; answers a conforming order or located issues',
    (_name, action) => {
      const body = fc.oneof({ weight: 3, arbitrary: mutated(action) }, randomBody(action));
      fc.assert(
        fc.property(body, (input) => {
          const result = validateOrder(input, now);
          if (result.ok) {
            expect(result.action.name).toBe(action.name);
            expect(typeof result.order.enrollment_id).toBe('string');
            // What was accepted is accepted again: the order conforms to its own schema.
            expect(result.action.schemaAt?.(now).safeParse(result.order).success).toBe(true);
            expect(() => JSON.stringify(result.action.toVcareBody(result.order))).not.toThrow();
          } else {
            expect(result.issues.length).toBeGreaterThan(0);
            for (const issue of result.issues) {
              expect(issue.path).not.toBe('');
              expect(issue.message.startsWith(`${issue.path} `)).toBe(true);
            }
          }
        }),
        { numRuns: runs },
      );
    },
  );
});
