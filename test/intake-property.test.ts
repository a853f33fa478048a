import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionDefinition } from '../src/actions/action.ts';
import { actions, findAction } from '../src/actions/registry.ts';
import { validateOrder } from '../src/actions/validate.ts';
import { createCipher } from '../src/security/cipher.ts';
import { decryptFields } from '../src/security/secret-fields.ts';
import { type Body, card, valid, vendorSample } from './actions/orders.ts';
import { API_KEY, type Harness, startHarness } from './support/harness.ts';

/** Bodies per action, all through the real HTTP intake. */
const RUNS = 2000;

const dataKey = randomBytes(32).toString('base64');
// Workers off: nothing is processed, so every accepted order is still in its queue afterwards.
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ workers: false, env: { DATA_KEY: dataKey } });
});
afterAll(async () => {
  await h?.close();
});

/** Values that hit the interesting branches: triggers of conditional rules, blanks, odd types. */
const value = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.object(),
  fc.array(fc.anything(), { maxLength: 4 }),
  fc.constantFrom('', ' ', 'PORTIN', 'HANDOVER', '4G', 'Y', 'N', 'CREDIT_CARD', 'WALLET', 'cbe'),
  fc.constantFrom('4111111111111111', '2020', '13', '08104', 'NJ', 'P.O. Box 1', '1985-02-30'),
);

function mutated(action: ActionDefinition): fc.Arbitrary<unknown> {
  const bases = [valid(action.name)];
  if (action.name !== 'create_customer_prepaid') bases.push(vendorSample(action.name));
  const keys = [
    ...new Set([
      ...bases.flatMap((base) => Object.keys(base)),
      ...action.requiredFields,
      ...action.secretFields,
      ...Object.keys(card),
      'payment_method',
      'is_payment_completed',
      'payment_transaction_id',
      'activation_type',
      'enrollment_type',
      'enroll_id',
      'agent_id',
      'source',
      'callback_url',
    ]),
  ];
  const key = fc.oneof(fc.constantFrom(...keys), fc.string());
  const mutation = fc.record({ key, drop: fc.boolean(), value });
  return fc
    .tuple(fc.constantFrom(...bases), fc.array(mutation, { maxLength: 5 }))
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

async function post(body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  // Raw JSON text: fc.anything() may yield undefined, which `h.api({ json })` would not send.
  const res = await fetch(`${h.url}/v1/orders`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body) ?? '',
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function queuedJobs() {
  const lists = await Promise.all(
    [...h.service.producer.queues.values()].map((q) => q.getJobs(['waiting'])),
  );
  return lists.flat();
}

/** Every queued order passes validation again once its secrets are decrypted. */
function expectValidOrders(jobs: Awaited<ReturnType<typeof queuedJobs>>): void {
  const cipher = createCipher([dataKey]);
  for (const job of jobs) {
    const definition = findAction(job.name);
    if (!definition) throw new Error(`job ${job.id} has unknown action ${job.name}`);
    const order = decryptFields(job.data.order, definition.secretFields, cipher);
    const again = validateOrder(order);
    expect(again.ok, `${job.id}: ${JSON.stringify(again.ok || again.issues)}`).toBe(true);
  }
}

describe('intake on random and mutated bodies (fast-check, through HTTP)', () => {
  it.each(actions.map((a) => [a.name, a] as const))(
    '%s: answers only 202 or 400, and queues exactly the 202s, each a valid order',
    async (_name, action) => {
      const before = new Set((await queuedJobs()).map((job) => job.id));
      const accepted = new Set<string>();
      const body = fc.oneof({ weight: 3, arbitrary: mutated(action) }, randomBody(action));
      await fc.assert(
        fc.asyncProperty(body, async (input) => {
          const { status, json } = await post(input);
          expect([202, 400]).toContain(status);
          if (status === 202) {
            accepted.add(json.id as string);
          } else if (json.error === 'validation_failed') {
            expect((json.issues as unknown[]).length).toBeGreaterThan(0);
          } else {
            // A body that is not a JSON object or array (a bare string, number, null).
            expect(json.error).toBe('invalid_json');
          }
        }),
        { numRuns: RUNS },
      );
      // Most mutated bodies stay valid: both kinds of answer were exercised.
      expect(accepted.size).toBeGreaterThan(0);
      const added = (await queuedJobs()).filter((job) => !before.has(job.id));
      expect(new Set(added.map((job) => job.id))).toEqual(accepted);
      expect(added).toHaveLength(accepted.size);
      expectValidOrders(added);
    },
  );
});
