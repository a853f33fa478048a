import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionDefinition } from '../src/actions/action.ts';
import { actions, findAction } from '../src/actions/registry.ts';
import { validateOrder } from '../src/actions/validate.ts';
import { createCipher } from '../src/security/cipher.ts';
import { decryptFields } from '../src/security/secret-fields.ts';
import { fieldValue, mutatedBody, randomBody } from './actions/arbitraries.ts';
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

/** JSON has no undefined: a field set to it would not reach intake. */
const value = fieldValue.filter((v) => v !== undefined);
const mutated = (action: ActionDefinition) =>
  mutatedBody(action, {
    value,
    extraKeys: ['agent_id', 'source', 'callback_url'],
    minMutations: 0,
  });

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
      const body = fc.oneof({ weight: 3, arbitrary: mutated(action) }, randomBody(action, value));
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
