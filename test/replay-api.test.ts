import type { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../src/queue/audit-log.ts';
import type { DeadLetterSummary } from '../src/queue/dead-letter-view.ts';
import type { ReplayManyReport } from '../src/queue/replay-many.ts';
import { isScrubbed } from '../src/security/scrub.ts';
import { SEALED, SEALED_SECRETS } from '../src/security/secret-fields.ts';
import { API_KEY, type Harness, startHarness } from './support/harness.ts';
import { deadLettered, entryView, ops, orderReaches, orderStatus } from './support/ops.ts';
import { enrollmentId, prepaidOrder } from './support/orders.ts';

// Two attempts: a FLAKY3 order is dead-lettered attempts_exhausted after two 503s, and its
// replay (calls 3 and 4) then completes.
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { JOB_ATTEMPTS: '2' } });
});
afterAll(async () => {
  await h?.close();
});

const SECRETS = { ssn: '9876', dob: '1971-03-09', password: 'Zq7-secret-pw' };
const enrollmentQueue = () => h.service.producer.queues.get('enrollment') as Queue;
const callsFor = (enrollment: string) =>
  h.sandbox.ledger().calls.filter((c) => c.enrollment_id === enrollment);

async function audit(entryId: string): Promise<AuditRecord[]> {
  const res = await ops(h, `/v1/dead-letters/audit?entry_id=${encodeURIComponent(entryId)}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { records: AuditRecord[] }).records;
}

async function list(query: string): Promise<DeadLetterSummary[]> {
  const res = await ops(h, `/v1/dead-letters?${query}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { entries: DeadLetterSummary[] }).entries;
}

describe('replay through the ops API', () => {
  it('replays a PERM order patched with a good enrollment id, and the new order completes', async () => {
    const { id, entryId } = await deadLettered(h, prepaidOrder(enrollmentId('PERM'), SECRETS));
    const fixed = enrollmentId();

    const res = await ops(h, `/v1/dead-letters/${entryId}/replay`, {
      json: { patch: { enrollment_id: fixed } },
    });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { replayed_as: string; status_url: string };
    expect(body.replayed_as).toBe(`${id}-r1`);
    expect(body.status_url).toBe(`/v1/orders/${id}-r1`);

    const replay = await orderReaches(h, body.replayed_as, 'completed');
    expect(replay.replay_of).toBe(entryId);
    expect(replay.attempts).toBe(1);
    expect(callsFor(fixed)).toHaveLength(1);
    expect(callsFor(fixed)[0]?.msg_code).toBe('RESTAPI000');

    // The original id follows the chain to the replay's outcome.
    const original = await orderStatus(h, id);
    expect(original).toMatchObject({
      state: 'dead_lettered',
      dead_letter_id: entryId,
      replayed_as: body.replayed_as,
      latest: { id: body.replayed_as, state: 'completed', queue: 'enrollment' },
    });

    const entry = await entryView(h, entryId);
    expect(entry.replayed_as).toBe(body.replayed_as);
    expect(entry.replays).toMatchObject([
      { actor: 'ops', replayed_as: body.replayed_as, fields: ['enrollment_id'], forced: false },
    ]);
    expect(entry.audit).toMatchObject([
      { op: 'replay', actor: 'ops', fields: ['enrollment_id'], replayed_as: body.replayed_as },
    ]);
  });

  it('refuses to replay an entry twice with 409, and replays it again when forced', async () => {
    const { id, entryId } = await deadLettered(h, prepaidOrder(enrollmentId('PERM')));
    const first = await ops(h, `/v1/dead-letters/${entryId}/replay`, {
      json: { patch: { enrollment_id: enrollmentId() } },
    });
    expect(first.status).toBe(202);

    const again = await ops(h, `/v1/dead-letters/${entryId}/replay`, {
      json: { patch: { enrollment_id: enrollmentId() } },
    });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({
      error: 'already_replayed',
      replayed_as: `${id}-r1`,
    });
    expect(await enrollmentQueue().getJob(`${id}-r2`)).toBeUndefined();

    const forced = await ops(h, `/v1/dead-letters/${entryId}/replay`, {
      json: { patch: { enrollment_id: enrollmentId() }, force: true },
    });
    expect(forced.status).toBe(202);
    expect(((await forced.json()) as { replayed_as: string }).replayed_as).toBe(`${id}-r2`);
    await orderReaches(h, `${id}-r2`, 'completed');
    const records = await audit(entryId);
    expect(records.map((r) => [r.replayed_as, r.forced ?? false])).toEqual([
      [`${id}-r2`, true],
      [`${id}-r1`, false],
    ]);
  });

  it('answers 400 naming the field of an invalid patch and queues nothing', async () => {
    const { id, entryId } = await deadLettered(h, prepaidOrder(enrollmentId('PERM')));
    const before = await enrollmentQueue().getJobCountByTypes(
      'waiting',
      'active',
      'delayed',
      'completed',
      'failed',
    );

    for (const [patch, field] of [
      [{ service_zip: '123' }, 'service_zip'],
      [{ ssn: '12' }, 'ssn'],
      [{ action: 'equipment_purchase' }, 'action'],
      [{ [SEALED_SECRETS]: 'enc:v1:00000000:AAAA' }, SEALED_SECRETS],
    ] as const) {
      const res = await ops(h, `/v1/dead-letters/${entryId}/replay`, { json: { patch } });
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: string; issues: { path: string }[] };
      expect(body.error).toBe('validation_failed');
      expect(body.issues.map((i) => i.path)).toContain(field);
    }
    const badBody = await ops(h, `/v1/dead-letters/${entryId}/replay`, {
      json: { patch: 'enrollment_id=X' },
    });
    expect(badBody.status).toBe(400);

    const after = await enrollmentQueue().getJobCountByTypes(
      'waiting',
      'active',
      'delayed',
      'completed',
      'failed',
    );
    expect(after).toBe(before);
    expect(await enrollmentQueue().getJob(`${id}-r1`)).toBeUndefined();
    expect((await entryView(h, entryId)).replayed_as).toBeNull();
    expect(await audit(entryId)).toEqual([]);
  });

  it('encrypts a patched secret field and audits its name only', async () => {
    const { id, entryId } = await deadLettered(h, prepaidOrder(enrollmentId('PERM')));
    const res = await ops(h, `/v1/dead-letters/${entryId}/replay`, {
      json: { patch: { enrollment_id: enrollmentId(), ssn: '5678' } },
    });
    expect(res.status).toBe(202);
    const job = await enrollmentQueue().getJob(`${id}-r1`);
    const order = (job?.data as { order: Record<string, unknown> } | undefined)?.order ?? {};
    // Encrypted, or already scrubbed if the replay has completed meanwhile.
    expect(order.ssn === SEALED || isScrubbed(order.ssn)).toBe(true);
    expect(JSON.stringify(job?.data)).not.toContain('5678');
    const records = await audit(entryId);
    expect(records[0]?.fields).toEqual(['enrollment_id', 'ssn']);
    const stream = await h.redis.xrange(`${h.prefix}:audit`, '-', '+');
    expect(JSON.stringify(stream)).not.toContain('5678');
    await orderReaches(h, `${id}-r1`, 'completed');
  });

  it('replays an entry once when two replays of it race', async () => {
    const { id, entryId } = await deadLettered(h, prepaidOrder(enrollmentId('PERM')));
    const replay = () =>
      ops(h, `/v1/dead-letters/${entryId}/replay`, {
        json: { patch: { enrollment_id: enrollmentId() } },
      });
    const statuses = (await Promise.all([replay(), replay()])).map((r) => r.status);
    expect(statuses.sort()).toEqual([202, 409]);
    expect(await enrollmentQueue().getJob(`${id}-r2`)).toBeUndefined();
    expect(await audit(entryId)).toHaveLength(1);
  });

  it('completes a replay cut short after its add instead of queueing a second order', async () => {
    const { id, entryId } = await deadLettered(h, prepaidOrder(enrollmentId('PERM')));
    // What a crash between the add and the entry update leaves: the job, no replayed_as.
    const entry = await h.service.deadLetters.getJob(entryId);
    if (!entry) throw new Error('entry missing');
    const payload = (entry.data as { payload: { order: object; meta: object } }).payload;
    await enrollmentQueue().add(
      'create_customer_prepaid',
      { order: payload.order, meta: { ...payload.meta, replay_of: entryId } },
      { jobId: `${id}-r1` },
    );
    const res = await ops(h, `/v1/dead-letters/${entryId}/replay`, { json: {} });
    expect(res.status).toBe(202);
    expect(((await res.json()) as { replayed_as: string }).replayed_as).toBe(`${id}-r1`);
    expect(await enrollmentQueue().getJob(`${id}-r2`)).toBeUndefined();
    expect((await entryView(h, entryId)).replayed_as).toBe(`${id}-r1`);
  });

  it('answers 404 for an unknown entry', async () => {
    const replay = await ops(h, '/v1/dead-letters/dl-enrollment-nope/replay', { json: {} });
    expect(replay.status).toBe(404);
    expect((await ops(h, '/v1/dead-letters/dl-enrollment-nope')).status).toBe(404);
    expect((await ops(h, '/v1/dead-letters/dl-enrollment-nope', { method: 'DELETE' })).status).toBe(
      404,
    );
  });
});

describe('dead-letter entries in the ops API', () => {
  it('shows an entry with its secrets masked, never in clear', async () => {
    const { entryId } = await deadLettered(h, prepaidOrder(enrollmentId('PERM'), SECRETS));
    const res = await ops(h, `/v1/dead-letters/${entryId}`);
    const text = await res.text();
    for (const secret of Object.values(SECRETS)) expect(text).not.toContain(secret);
    const entry = JSON.parse(text);
    expect(entry).toMatchObject({
      id: entryId,
      state: 'failed',
      source_queue: 'enrollment',
      action: 'create_customer_prepaid',
      reason: 'permanent_error',
      msg_code: 'RESTAPI110',
      replayed_as: null,
    });
    expect(entry.payload.order).toMatchObject({
      ssn: '[redacted]',
      dob: '[redacted]',
      password: '[redacted]',
      first_name: 'John',
    });
    expect(entry.failed_reason).toContain('permanent_error');
  });

  it('discards an entry and records who did it', async () => {
    const { entryId } = await deadLettered(h, prepaidOrder(enrollmentId('PERM')));
    const res = await ops(h, `/v1/dead-letters/${entryId}`, { method: 'DELETE' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ discarded: entryId });
    expect((await ops(h, `/v1/dead-letters/${entryId}`)).status).toBe(404);
    expect(await audit(entryId)).toMatchObject([
      { op: 'discard', actor: 'ops', entry_id: entryId, fields: [] },
    ]);
  });

  it('lists entries by queue, action, msg_code, reason, since and replayed, page by page', async () => {
    const perm = await deadLettered(h, prepaidOrder(enrollmentId('PERM')));
    const flaky = await deadLettered(h, prepaidOrder(enrollmentId('FLAKY3')));
    const ids = (entries: DeadLetterSummary[]) => entries.map((e) => e.id);

    expect(ids(await list('reason=permanent_error'))).toContain(perm.entryId);
    expect(ids(await list('reason=permanent_error'))).not.toContain(flaky.entryId);
    const exhausted = await list('reason=attempts_exhausted&queue=enrollment');
    expect(ids(exhausted)).toContain(flaky.entryId);
    expect(exhausted.find((e) => e.id === flaky.entryId)).toMatchObject({
      action: 'create_customer_prepaid',
      attempt_count: 2,
      replayed_as: null,
    });
    expect(ids(await list('msg_code=RESTAPI110'))).toContain(perm.entryId);
    expect(ids(await list('msg_code=RESTAPI110'))).not.toContain(flaky.entryId);
    expect(await list('action=equipment_purchase')).toEqual([]);
    expect(await list('queue=purchase')).toEqual([]);
    expect(await list(`since=${encodeURIComponent('2999-01-01T00:00:00Z')}`)).toEqual([]);
    expect(ids(await list('replayed=false'))).toContain(perm.entryId);
    expect(ids(await list('replayed=true'))).not.toContain(perm.entryId);

    const first = await ops(h, '/v1/dead-letters?limit=1');
    const page1 = (await first.json()) as { entries: DeadLetterSummary[]; next_cursor: string };
    expect(page1.entries).toHaveLength(1);
    expect(page1.next_cursor).toBeTruthy();
    const second = await ops(h, `/v1/dead-letters?limit=1&cursor=${page1.next_cursor}`);
    const page2 = (await second.json()) as { entries: DeadLetterSummary[] };
    expect(page2.entries).toHaveLength(1);
    expect(page2.entries[0]?.id).not.toBe(page1.entries[0]?.id);

    const bad = await ops(h, '/v1/dead-letters?reason=bored&since=yesterday');
    expect(bad.status).toBe(400);
    const issues = ((await bad.json()) as { issues: { path: string }[] }).issues;
    expect(issues.map((i) => i.path).sort()).toEqual(['reason', 'since']);
  });

  it('bulk-replays by filter: a dry run queues nothing, the real run replays and refuses replayed ones', async () => {
    const flaky = await deadLettered(h, prepaidOrder(enrollmentId('FLAKY3')));
    const filter = { reason: 'attempts_exhausted', replayed: false };

    const dry = await ops(h, '/v1/dead-letters/replay', { json: { filter, dry_run: true } });
    expect(dry.status).toBe(200);
    const dryReport = (await dry.json()) as ReplayManyReport;
    expect(dryReport.dry_run).toBe(true);
    expect(dryReport.would_replay).toContainEqual({ id: flaky.entryId, queue: 'enrollment' });
    expect(dryReport.replayed).toEqual([]);
    expect((await entryView(h, flaky.entryId)).replayed_as).toBeNull();

    const run = await ops(h, '/v1/dead-letters/replay', { json: { filter, rate_per_s: 50 } });
    const report = (await run.json()) as ReplayManyReport;
    expect(report.dry_run).toBe(false);
    expect(report.replayed).toContainEqual({
      id: flaky.entryId,
      replayed_as: `${flaky.id}-r1`,
      queue: 'enrollment',
    });
    await orderReaches(h, `${flaky.id}-r1`, 'completed');

    const again = await ops(h, '/v1/dead-letters/replay', {
      json: { filter: { reason: 'attempts_exhausted' } },
    });
    const refused = ((await again.json()) as ReplayManyReport).refused;
    expect(refused).toContainEqual(
      expect.objectContaining({ id: flaky.entryId, error: 'already_replayed' }),
    );
  });

  it('does not open dead-letter routes to producer keys', async () => {
    const asProducer = { headers: { authorization: `Bearer ${API_KEY}` } };
    expect((await h.api('/v1/dead-letters', asProducer)).status).toBe(401);
    expect((await h.api('/v1/dead-letters/dl-x', asProducer)).status).toBe(401);
    expect((await h.api('/v1/dead-letters/audit', asProducer)).status).toBe(401);
    const replay = await h.api('/v1/dead-letters/dl-x/replay', { ...asProducer, json: {} });
    expect(replay.status).toBe(401);
    const bulk = await h.api('/v1/dead-letters/replay', { ...asProducer, json: { filter: {} } });
    expect(bulk.status).toBe(401);
    const discard = await h.api('/v1/dead-letters/dl-x', { ...asProducer, method: 'DELETE' });
    expect(discard.status).toBe(401);
    const wrong = { headers: { authorization: 'Basic b3BzOndyb25n' } };
    expect((await h.api('/v1/dead-letters', wrong)).status).toBe(401);
  });
});
