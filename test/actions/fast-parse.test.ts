import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fastParse } from '../../src/actions/fast-parse.ts';
import { actions } from '../../src/actions/registry.ts';
import { mutatedBody, randomBody } from './arbitraries.ts';
import { type Body, now, valid, vendorSample } from './orders.ts';

const runs = 3000;

describe('fastParse: the valid path of intake without zod', () => {
  it.each(actions.map((a) => [a.name, a] as const))(
    '%s: accepts exactly what zod accepts, as zod returns it, or leaves the body to zod',
    (_name, action) => {
      const schema = action.schemaAt?.(now) ?? action.schema;
      let decided = 0;
      const body = fc.oneof({ weight: 4, arbitrary: mutatedBody(action) }, randomBody(action));
      fc.assert(
        fc.property(body, (input) => {
          if (typeof input !== 'object' || input === null || Array.isArray(input)) return;
          const fast = fastParse(schema, input as Body);
          const zod = schema.safeParse(input);
          if (fast === undefined) {
            // Left to zod: it must be a refusal, never an order the fast path should have taken.
            expect(zod.success, JSON.stringify(input)).toBe(false);
            return;
          }
          decided++;
          expect(zod.success, JSON.stringify(input)).toBe(true);
          // The same fields (an explicit undefined included) with the same values.
          expect(fast).toStrictEqual(zod.data);
        }),
        { numRuns: runs },
      );
      // The mutated bodies are mostly valid: the fast path did decide many of them.
      expect(decided).toBeGreaterThan(runs / 10);
    },
  );

  it.each(actions.map((a) => [a.name] as const))(
    '%s: decides the valid order and the vendor sample, values normalized as zod does',
    (name) => {
      const action = actions.find((a) => a.name === name);
      const schema = action?.schemaAt?.(now) ?? action?.schema;
      if (!schema) throw new Error(name);
      const bodies = [
        valid(name),
        ...(name === 'create_customer_prepaid' ? [] : [vendorSample(name)]),
      ];
      for (const body of bodies) {
        const zod = schema.safeParse(body);
        expect(zod.success).toBe(true);
        expect(fastParse(schema, body)).toStrictEqual(zod.data);
      }
    },
  );

  it('normalizes as the field builders do: numbers become text, enumerations their spelling', () => {
    const action = actions.find((a) => a.name === 'create_customer_prepaid');
    if (!action) throw new Error('create_customer_prepaid');
    const body = {
      ...valid('create_customer_prepaid'),
      service_zip: 12345,
      plan_id: 606,
      service_state: 'nj',
      activation_type: 'newactivation',
      middle_initial: null,
      service_address_two: '',
      extra_field: { kept: true },
    };
    const order = fastParse(action.schema, body);
    expect(order).toMatchObject({
      service_zip: '12345',
      plan_id: '606',
      service_state: 'NJ',
      activation_type: 'NEWACTIVATION',
      middle_initial: null,
      service_address_two: '',
      extra_field: { kept: true },
    });
  });
});
