import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCliConfig } from '../src/cli/cli-config.ts';
import { createServiceClient } from '../src/cli/service-client.ts';
import { statusCommand } from '../src/cli/status-command.ts';
import type { ChainState, ChainStatus } from '../src/queue/chain-status.ts';
import type { StoredDeadLetter } from '../src/queue/dead-letter-store.ts';
import { deadLetterId } from '../src/queue/names.ts';
import type { OrderStatus } from '../src/queue/order-status.ts';
import { UNKNOWN_MODEL_ID } from '../src/sandbox/action-behaviours.ts';
import { SEALED, SEALED_SECRETS } from '../src/security/secret-fields.ts';
import { API_KEY, eventually, type Harness, jobIn, startHarness } from './support/harness.ts';
import { ops, orderReaches, submit } from './support/ops.ts';
import { enrollmentId, prepaidOrder } from './support/orders.ts';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

interface ChainAnswer {
  id: string;
  kind: 'chain';
  state: string;
  steps: { index: number; id: string; action: string; queue: string }[];
  status_url: string;
}

/** create customer → equipment purchase → handover; later steps inherit the enrollment. */
function chainBody(enrollment: string, modelId = '2', extra: Record<string, unknown>[] = []) {
  return {
    steps: [
      prepaidOrder(enrollment),
      { action: 'equipment_purchase', model_id: modelId, payment_method: 'WALLET' },
      { action: 'handover_activation', esn: '400500600' },
      ...extra,
    ],
  };
}

async function submitChain(body: unknown, key?: string): Promise<Response> {
  return h.api('/v1/orders', { json: body, headers: key ? { 'idempotency-key': key } : {} });
}

async function chainStatus(id: string): Promise<ChainStatus> {
  const res = await h.api(`/v1/orders/${encodeURIComponent(id)}`);
  expect(res.status).toBe(200);
  return (await res.json()) as ChainStatus;
}

function chainReaches(id: string, state: ChainState): Promise<ChainStatus> {
  return eventually(
    async () => {
      const chain = await chainStatus(id);
      if (chain.state === state) return chain;
      const final = ['completed', 'dead_lettered', 'cancelled', 'failed'];
      if (final.includes(chain.state) && chain.state !== 'dead_lettered')
        throw new Error(`chain ${id} ended ${chain.state}, expected ${state}`);
      return undefined;
    },
    { what: `chain ${id} to be ${state}` },
  );
}

/** vCare calls the sandbox received for one enrollment, in order: `action msg_code`. */
function callsFor(enrollment: string): string[] {
  return h.sandbox
    .ledger()
    .calls.filter((call) => call.enrollment_id === enrollment && call.action !== null)
    .map((call) => `${call.action} ${call.msg_code}`);
}

async function jobCount(): Promise<number> {
  const queues = [...h.service.producer.queues.values()];
  const counts = await Promise.all(queues.map((q) => q.getJobCounts()));
  return counts.flatMap((c) => Object.values(c)).reduce((a, b) => a + b, 0);
}

/** Queues a chain whose purchase the sandbox refuses for good; waits until it is held. */
async function heldChain(extra: Record<string, unknown>[] = []) {
  const enrollment = enrollmentId('CHN');
  const res = await submitChain(chainBody(enrollment, UNKNOWN_MODEL_ID, extra));
  expect(res.status).toBe(202);
  const { id } = (await res.json()) as ChainAnswer;
  const chain = await chainReaches(id, 'dead_lettered');
  const entryId = chain.steps[1]?.dead_letter_id as string;
  await eventually(
    async () => ((await h.service.deadLetters.getJob(entryId))?.failedReason ? true : undefined),
    { what: `entry ${entryId} to be parked` },
  );
  return { enrollment, id, chain, entryId };
}

describe('order chains', () => {
  it('run their steps in order, each only after the previous one completed', async () => {
    const enrollment = enrollmentId('CHN');
    const res = await submitChain(chainBody(enrollment));
    expect(res.status).toBe(202);
    const answer = (await res.json()) as ChainAnswer;
    expect(answer).toMatchObject({ kind: 'chain', state: 'waiting' });
    expect(answer.steps.map((s) => [s.index, s.action, s.queue])).toEqual([
      [0, 'create_customer_prepaid', 'enrollment'],
      [1, 'equipment_purchase', 'purchase'],
      [2, 'handover_activation', 'activation'],
    ]);
    // The chain's id is its last step's job.
    expect(answer.steps[2]?.id).toBe(answer.id);
    expect(res.headers.get('location')).toBe(answer.status_url);

    const chain = await chainReaches(answer.id, 'completed');
    expect(chain.steps.map((s) => s.state)).toEqual(['completed', 'completed', 'completed']);
    expect(chain.steps[0]?.result).toMatchObject({ msg_code: 'RESTAPI000' });
    expect(callsFor(enrollment)).toEqual([
      'create_customer_prepaid RESTAPI000',
      'equipment_purchase RESTAPI000',
      'handover_activation RESTAPI000',
    ]);
    // Each step started after its predecessor finished.
    const jobs = await Promise.all(
      answer.steps.map((s) => h.service.producer.queues.get(s.queue as never)?.getJob(s.id)),
    );
    for (let i = 1; i < jobs.length; i += 1) {
      expect(jobs[i]?.processedOn).toBeGreaterThanOrEqual(jobs[i - 1]?.finishedOn as number);
    }
    // A step on its own tells which chain it belongs to.
    const step = (await (await h.api(`/v1/orders/${answer.steps[0]?.id}`)).json()) as OrderStatus;
    expect(step).toMatchObject({ state: 'completed', chain: { id: answer.id, index: 0 } });

    // `vcare-orders status <chain id>`: one line per step.
    const lines: string[] = [];
    const io = { out: (t: string) => lines.push(t), err: () => {}, interactive: false };
    const config = loadCliConfig({ VCARE_ORDERS_URL: h.url, VCARE_ORDERS_API_KEY: API_KEY });
    await statusCommand(
      createServiceClient(config, () => {}),
      io,
      answer.id,
      {},
    );
    const text = lines.join('\n');
    expect(text).toMatch(/state\s+completed/);
    expect(text).toMatch(/2\s+\S+\s+handover_activation\s+completed\s+1/);
  });

  it('hold the steps after a dead-lettered one; a patched replay resumes and completes the chain', async () => {
    const { enrollment, id, chain, entryId } = await heldChain();
    expect(chain.steps.map((s) => s.state)).toEqual(['completed', 'dead_lettered', 'waiting']);

    // Barrier: a later handover of another enrollment completes on the same queue, while the
    // chain's handover still waits for its purchase.
    await orderReaches(
      h,
      await submit(h, { action: 'handover_activation', enrollment_id: enrollmentId(), esn: '42' }),
      'completed',
    );
    const root = await h.service.producer.queues.get('activation')?.getJob(id);
    expect(await root?.getState()).toBe('waiting-children');
    // Steps keep secrets as single orders do: encrypted at rest.
    expect(root?.data.order.agent_password).toBe(SEALED);
    expect(root?.data.order[SEALED_SECRETS]).toMatch(/^enc:v1:/);
    expect(callsFor(enrollment)).toEqual([
      'create_customer_prepaid RESTAPI000',
      'equipment_purchase RESTAPI110',
    ]);

    const replay = await ops(h, `/v1/dead-letters/${entryId}/replay`, {
      json: { patch: { model_id: '2' } },
    });
    expect(replay.status).toBe(202);
    const { replayed_as } = (await replay.json()) as { replayed_as: string };
    expect(replayed_as).toBe(`${chain.steps[1]?.id}-r1`);
    // The replay is the step's run now: the entry is not replayed a second time, even forced.
    const forced = await ops(h, `/v1/dead-letters/${entryId}/replay`, { json: { force: true } });
    expect(forced.status).toBe(422);

    const done = await chainReaches(id, 'completed');
    expect(done.steps[1]).toMatchObject({ state: 'completed', replayed_as });
    expect(callsFor(enrollment)).toEqual([
      'create_customer_prepaid RESTAPI000',
      'equipment_purchase RESTAPI110',
      'equipment_purchase RESTAPI000',
      'handover_activation RESTAPI000',
    ]);
  });

  it("resume when Bull Board's Retry replays the step's dead letter (data fixed in the board)", async () => {
    const { enrollment, id, entryId } = await heldChain();
    const entry = await h.service.deadLetters.getJob(entryId);
    const data = entry?.data as StoredDeadLetter;
    // What Bull Board's "Update data" then "Retry" do.
    await entry?.updateData({
      ...data,
      payload: { ...data.payload, order: { ...data.payload.order, model_id: '2' } },
    });
    await entry?.retry('failed');
    await chainReaches(id, 'completed');
    expect(callsFor(enrollment).at(-1)).toBe('handover_activation RESTAPI000');
  });

  it('cancel the steps after a discarded dead letter, which never call vCare', async () => {
    const { enrollment, id, chain, entryId } = await heldChain([
      { action: 'change_account_status', status: 'Active' },
    ]);
    const res = await ops(h, `/v1/dead-letters/${entryId}`, { method: 'DELETE' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      discarded: entryId,
      cancelled: [chain.steps[2]?.id, chain.steps[3]?.id],
    });

    const cancelled = await chainReaches(id, 'cancelled');
    expect(cancelled.steps.map((s) => s.state)).toEqual([
      'completed',
      'failed',
      'cancelled',
      'cancelled',
    ]);
    for (const step of cancelled.steps.slice(2)) {
      expect(step.error).toBe('chain_cancelled: step 1 discarded');
    }
    // Workers fail each cancelled step, the last one too, without a dead-letter entry.
    const root = await jobIn(h.service.producer.queues.get('status-change'), id, 'failed');
    expect(root?.failedReason).toBe('chain_cancelled: step 1 discarded');
    for (const step of chain.steps.slice(2)) {
      expect(await h.service.deadLetters.getJob(deadLetterId(step.queue, step.id))).toBeUndefined();
    }
    expect(callsFor(enrollment)).toEqual([
      'create_customer_prepaid RESTAPI000',
      'equipment_purchase RESTAPI110',
    ]);
  });

  it('never run a step whose predecessor was removed instead of completed', async () => {
    const { enrollment, id, chain } = await heldChain();
    // Bull Board's Clean on the failed purchase: BullMQ then releases the handover.
    await (
      await h.service.producer.queues.get('purchase')?.getJob(chain.steps[1]?.id ?? '')
    )?.remove();
    const root = await jobIn(h.service.producer.queues.get('activation'), id, 'failed');
    expect(root?.failedReason).toBe('chain_cancelled: step 1 was removed before it completed');
    expect((await chainStatus(id)).state).toBe('cancelled');
    expect(callsFor(enrollment)).toEqual([
      'create_customer_prepaid RESTAPI000',
      'equipment_purchase RESTAPI110',
    ]);
  });

  it('refuse an invalid step with paths naming the step, and queue nothing', async () => {
    const before = await jobCount();
    const enrollment = enrollmentId('CHN');
    const body = chainBody(enrollment, 'A48');
    delete (body.steps[2] as Record<string, unknown>).esn;
    const res = await submitChain(body);
    expect(res.status).toBe(400);
    const { error, issues } = (await res.json()) as {
      error: string;
      issues: { path: string; message: string }[];
    };
    expect(error).toBe('validation_failed');
    expect(issues.map((i) => i.path)).toEqual(['steps.1.model_id', 'steps.2.esn']);
    expect(issues[0]?.message).toBe('steps.1.model_id must contain only digits');

    const other = chainBody(enrollment);
    Object.assign(other.steps[2] as object, { enrollment_id: enrollmentId() });
    const mixed = await submitChain(other);
    expect(mixed.status).toBe(400);
    expect(await mixed.json()).toMatchObject({ issues: [{ path: 'steps.2.enrollment_id' }] });

    const lone = await submitChain({ steps: [prepaidOrder(enrollment)] });
    expect(lone.status).toBe(400);
    expect(await lone.json()).toMatchObject({ issues: [{ path: 'steps' }] });

    expect(await jobCount()).toBe(before);
    expect(callsFor(enrollment)).toEqual([]);
  });

  it('answer a resubmission with the same Idempotency-Key with the first chain and queue nothing', async () => {
    const enrollment = enrollmentId('CHN');
    const key = `chain-${enrollment}`;
    const first = await submitChain(chainBody(enrollment), key);
    expect(first.status).toBe(202);
    const answer = (await first.json()) as ChainAnswer;
    expect(answer.id).toMatch(/^idem-/);
    const count = await jobCount();

    const again = await submitChain(chainBody(enrollment), key);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ id: answer.id, kind: 'chain', steps: answer.steps });
    const other = await submitChain(chainBody(enrollment, '7'), key);
    expect(other.status).toBe(409);
    expect(await jobCount()).toBe(count);

    await chainReaches(answer.id, 'completed');
    const effects = h.sandbox.ledger().effects.filter((e) => e.enrollment_id === enrollment);
    expect(effects.map((e) => [e.action, e.count])).toEqual([
      ['create_customer_prepaid', 1],
      ['equipment_purchase', 1],
      ['handover_activation', 1],
    ]);
  });
});
