import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { actions } from '../../src/actions/registry.ts';
import { validateOrder } from '../../src/actions/validate.ts';
import { mutatedBody, randomBody } from './arbitraries.ts';
import { now } from './orders.ts';

const runs = 2000;

describe('validateOrder on random and mutated bodies', () => {
  it.each(actions.map((a) => [a.name, a] as const))(
    '%s: never throws; answers a conforming order or located issues',
    (_name, action) => {
      const body = fc.oneof({ weight: 3, arbitrary: mutatedBody(action) }, randomBody(action));
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
