import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findAction } from '../src/actions/registry.ts';
import { createLogger } from '../src/log.ts';
import { deadLetterId } from '../src/queue/names.ts';
import type { OrderStatus } from '../src/queue/order-status.ts';
import { sweepExpiredSecrets } from '../src/queue/secret-sweep.ts';
import { createCipher, isEncrypted } from '../src/security/cipher.ts';
import { SCRUBBED } from '../src/security/scrub.ts';
import { decryptFields, SEALED, SEALED_SECRETS } from '../src/security/secret-fields.ts';
import { vendorSample } from './actions/orders.ts';
import { ADMIN, eventually, type Harness, startHarness } from './support/harness.ts';
import { enrollmentId, prepaidOrder } from './support/orders.ts';
import { dumpRedis, secretsIn } from './support/redis-dump.ts';

// Distinctive values, so that finding one anywhere can only mean a leak.
const S = {
  card1: '4111111111111111',
  card2: '4012888888881881',
  card3: '5555555555554444',
  card4: '6011111111111117',
  cvv1: '9173',
  cvv2: '4826',
  cvv3: '3719',
  cvv4: '6205',
  ssn: '8642',
  portSsn: '1357',
  ssnum: '9753',
  dob: '1979-03-14',
  year1: '2039',
  year2: '2038',
  password: 'Zebra-Pass-7731',
  portPassword: 'PortPw-5521',
  ivrPin: '80417',
  answer: 'Fluffy-Zebra-Answer',
  agentPassword: 'agent-pass', // the harness's VCARE_AGENT_PASSWORD, filled into every order
  vcarePassword: 'test-pass', // the harness's VCARE_PASSWORD, carried inside every vCare token
};
/** Header of every vCare JWT the sandbox issues ({"typ":"JWT","alg":"HS256"}). */
const JWT_HEADER = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9';

const DATA_KEY = randomBytes(32).toString('base64');
const cipher = createCipher([DATA_KEY]);
const logLines: string[] = [];
const tokens: string[] = [];
const secrets = () => [...Object.values(S), JWT_HEADER, ...tokens];

function sample(action: string, changes: Record<string, unknown>) {
  const { agent_id: _a, source: _s, enroll_id: _e, ...body } = vendorSample(action);
  return { ...body, enrollment_id: enrollmentId(), ...changes };
}

function card(number: string, cvv: string, year: string) {
  return {
    payment_method: 'CREDIT_CARD',
    card_type: 'Visa',
    card_number: number,
    cvv,
    expiration_month: '11',
    expiration_year: year,
    name_on_card: 'John Doe',
    billing_address1: '2013 S Chestnut St',
    billing_city: 'Pine Bluff',
    billing_state: 'AR',
    billing_zip: '71601',
  };
}

const orders = {
  create_customer_prepaid: prepaidOrder(enrollmentId(), {
    dob: S.dob,
    ssn: S.ssn,
    password: S.password,
    port_ssn: S.portSsn,
    port_account_password: S.portPassword,
    ivr_pin: S.ivrPin,
    security_questions_answers: [{ question: 'First pet?', answer: S.answer }],
  }),
  create_homephone_customer: sample('create_homephone_customer', { ssnum: S.ssnum }),
  handover_activation: sample('handover_activation', card(S.card2, S.cvv1, S.year1)),
  change_account_status: sample('change_account_status', {}),
  equipment_purchase: sample('equipment_purchase', card(S.card3, S.cvv2, S.year2)),
};
const permOrder = sample('equipment_purchase', {
  ...card(S.card1, S.cvv3, S.year1),
  enrollment_id: enrollmentId('PERM'),
});

let h: Harness;
const ids = new Map<string, string>();
let permId: string;
let permEntryId: string;

beforeAll(async () => {
  h = await startHarness({
    env: { DATA_KEY },
    logger: createLogger('trace', { write: (line: string) => void logLines.push(line) }),
  });
});
afterAll(async () => {
  await h?.close();
});

function admin(path: string, init: RequestInit & { json?: unknown } = {}) {
  const { json, ...rest } = init;
  const headers = new Headers(rest.headers);
  headers.set('authorization', `Basic ${btoa(`${ADMIN.user}:${ADMIN.password}`)}`);
  if (json !== undefined) headers.set('content-type', 'application/json');
  return fetch(`${h.url}${path}`, {
    ...rest,
    headers,
    body: json === undefined ? undefined : JSON.stringify(json),
  });
}

async function submit(body: unknown): Promise<string> {
  const res = await h.api('/v1/orders', { json: body });
  expect(res.status).toBe(202);
  return ((await res.json()) as { id: string }).id;
}

async function settled(id: string): Promise<OrderStatus> {
  return eventually(
    async () => {
      const status = (await (await h.api(`/v1/orders/${id}`)).json()) as OrderStatus;
      return ['completed', 'dead_lettered', 'failed'].includes(status.state) ? status : undefined;
    },
    { what: `order ${id} to settle` },
  );
}

function queueOf(name: string) {
  const queue = h.service.producer.queues.get(name as never);
  if (!queue) throw new Error(`no queue ${name}`);
  return queue;
}

describe('secrets at rest, on screens and in logs', () => {
  it('runs every action to completion and dead-letters the PERM order', async () => {
    for (const [action, body] of Object.entries(orders)) ids.set(action, await submit(body));
    permId = await submit(permOrder);
    for (const id of ids.values()) expect((await settled(id)).state).toBe('completed');
    const perm = await settled(permId);
    expect(perm.state).toBe('dead_lettered');
    permEntryId = perm.dead_letter_id as string;
  });

  it('removes the secrets of completed orders once their result is stored', async () => {
    for (const [action, id] of ids) {
      const job = await eventually(
        async () => {
          const found = await queueOf(findAction(action)?.queue ?? '').getJob(id);
          return found?.data.meta.secrets_scrubbed_at ? found : undefined;
        },
        { what: `${action} to be scrubbed` },
      );
      expect(job.returnvalue).toMatchObject({ msg_code: 'RESTAPI000' });
      for (const value of Object.values(job.data.order)) expect(isEncrypted(value)).toBe(false);
      expect(job.data.order.agent_password).toEqual(SCRUBBED);
    }
    const prepaid = await queueOf('enrollment').getJob(ids.get('create_customer_prepaid') ?? '');
    expect(prepaid?.data.order).toMatchObject({ ssn: SCRUBBED, dob: SCRUBBED, ivr_pin: SCRUBBED });
  });

  it('keeps the dead-lettered order with its secrets encrypted', async () => {
    const entry = await h.service.deadLetters.getJob(permEntryId);
    const order = entry?.data.payload.order;
    expect(order.card_number).toBe(SEALED);
    expect(isEncrypted(order[SEALED_SECRETS])).toBe(true);
    expect(decryptFields(order, ['card_number'], cipher).card_number).toBe(S.card1);
    expect(entry?.data.error).toMatchObject({ msg_code: 'RESTAPI110' });
  });

  it('keeps vCare tokens in the shared pool encrypted', async () => {
    const client = h.service.client;
    if (!client) throw new Error('the harness runs workers');
    // More than the in-process stack holds (64), so that some spill into Redis.
    for (let i = 0; i < 70; i++) tokens.push(await client.tokens.acquire());
    for (const token of tokens) await client.tokens.release(token);
    expect(await client.tokens.sharedSize()).toBeGreaterThan(0);
    expect(tokens.every((t) => t.startsWith(JWT_HEADER))).toBe(true);
  });

  it('leaves no secret or token in clear anywhere in Redis', async () => {
    const dump = await dumpRedis(h.redis, `${h.prefix}*`);
    const everything = [...dump.values()].join('\n');
    expect(everything).toContain('enc:v1:'); // the secrets are there, encrypted
    for (const [key, content] of dump) expect(secretsIn(content, secrets()), key).toEqual([]);
  });

  it('shows no secret in Bull Board API responses or pages, only ciphertext', async () => {
    const texts: string[] = [];
    const read = async (path: string) => {
      const res = await admin(path);
      expect(res.status, path).toBe(200);
      const text = await res.text();
      texts.push(text);
      return text;
    };
    for (const queue of ['enrollment', 'activation', 'status-change', 'purchase', 'dead-letter']) {
      const list = JSON.parse(
        await read(`/admin/queues/api/queues?activeQueue=${queue}&status=latest&jobsPerPage=50`),
      ) as { queues: Array<{ name: string; jobs: Array<{ id: string }> }> };
      const jobs = list.queues.find((q) => q.name === queue)?.jobs ?? [];
      for (const job of jobs) {
        await read(`/admin/queues/api/queues/${queue}/${job.id}`);
        await read(`/admin/queues/api/queues/${queue}/${job.id}/logs`);
      }
      await read(`/admin/queues/queue/${queue}`);
    }
    await read('/admin/queues');
    const detail = JSON.parse(await read(`/admin/queues/api/queues/dead-letter/${permEntryId}`));
    expect(detail.job.data.payload.order.cvv).toBe(SEALED);
    expect(isEncrypted(detail.job.data.payload.order[SEALED_SECRETS])).toBe(true);
    expect(secretsIn(texts.join('\n'), secrets())).toEqual([]);
  });

  it('answers order statuses and dead-letter views without any secret', async () => {
    const bodies = await Promise.all(
      [...ids.values(), permId].map(async (id) => (await h.api(`/v1/orders/${id}`)).text()),
    );
    const list = await admin('/v1/dead-letters');
    const detail = await admin(`/v1/dead-letters/${permEntryId}`);
    expect([list.status, detail.status]).toEqual([200, 200]);
    const detailText = await detail.text();
    expect(detailText).toContain('•••• 1111'); // the card, masked
    bodies.push(await list.text(), detailText);
    expect(secretsIn(bodies.join('\n'), secrets())).toEqual([]);
  });

  it('keeps the real secret when an operator saves or duplicates job data in Bull Board', async () => {
    const purchase = queueOf('purchase');
    await purchase.pause();
    const id = await submit(sample('equipment_purchase', card(S.card4, S.cvv4, S.year2)));
    const shown = (await (await admin(`/admin/queues/api/queues/purchase/${id}`)).json()) as {
      job: { name: string; data: { order: Record<string, unknown> } };
    };
    expect(shown.job.data.order.card_number).toBe(SEALED);
    expect(isEncrypted(shown.job.data.order[SEALED_SECRETS])).toBe(true);
    // What the "Update data" and "Duplicate" editors are pre-filled with, saved back.
    const edited = { ...shown.job.data, order: { ...shown.job.data.order, billing_city: 'Tampa' } };
    const update = await admin(`/admin/queues/api/queues/purchase/${id}/update-data`, {
      method: 'PATCH',
      json: { jobData: edited },
    });
    expect(update.status).toBe(200);
    const duplicate = await admin('/admin/queues/api/queues/purchase/add', {
      method: 'POST',
      json: { name: shown.job.name, data: shown.job.data, options: {} },
    });
    expect(duplicate.status).toBe(200);
    const copyId = ((await duplicate.json()) as { job: { id: string } }).job.id;

    const stored = await purchase.getJob(id);
    expect(decryptFields(stored?.data.order, ['card_number'], cipher).card_number).toBe(S.card4);
    expect(stored?.data.order.billing_city).toBe('Tampa');
    await purchase.resume();
    expect((await settled(id)).state).toBe('completed');
    expect((await settled(copyId)).state).toBe('completed');
    for (const job of [id, copyId]) {
      await eventually(
        async () => (await purchase.getJob(job))?.data.meta.secrets_scrubbed_at as string,
        { what: `job ${job} to be scrubbed` },
      );
    }
  });

  it('scrubs a dead-letter entry and its failed source job once past the TTL', async () => {
    const swept = await sweepExpiredSecrets({
      redis: h.redis,
      deadLetters: h.service.deadLetters,
      orderQueues: h.service.producer.queues.values(),
      ttlMs: 0,
      cipher,
    });
    expect(swept.deadLetters).toBeGreaterThanOrEqual(1);
    const entry = await h.service.deadLetters.getJob(permEntryId);
    expect(entry?.data.secrets_scrubbed_at).toEqual(expect.any(String));
    expect(entry?.data.payload.order).toMatchObject({
      card_number: SCRUBBED,
      cvv: SCRUBBED,
      expiration_year: SCRUBBED,
      billing_zip: '71601',
    });
    // The partner agent's password (from config) stays, encrypted, for replays; nothing else.
    const kept = entry?.data.payload.order;
    expect(kept.agent_password).toBe(SEALED);
    expect(Object.keys(JSON.parse(cipher.decrypt(kept[SEALED_SECRETS])))).toEqual([
      'agent_password',
    ]);
    const source = await queueOf('purchase').getJob(permId);
    expect(source?.data.order.card_number).toEqual(SCRUBBED);
    expect(source?.data.meta.secrets_scrubbed_at).toEqual(expect.any(String));
  });

  it('refuses to run scrubbed data, naming the missing fields, without calling vCare', async () => {
    const entry = await h.service.deadLetters.getJob(permEntryId);
    const order = { ...entry?.data.payload.order, enrollment_id: enrollmentId() };
    const added = await admin('/admin/queues/api/queues/purchase/add', {
      method: 'POST',
      json: { name: 'equipment_purchase', data: { ...entry?.data.payload, order } },
    });
    const id = ((await added.json()) as { job: { id: string } }).job.id;
    const status = await settled(id);
    expect(status.state).toBe('dead_lettered');
    expect(status.error).toContain('secret fields were scrubbed');
    expect(status.error).toContain(': card_number, cvv, expiration_month, expiration_year');
    const calls = h.sandbox.ledger().calls.filter((c) => c.enrollment_id === order.enrollment_id);
    expect(calls).toEqual([]);
  });

  it('replays a scrubbed entry only with the missing secrets in the patch', async () => {
    const path = `/v1/dead-letters/${permEntryId}/replay`;
    const refused = await admin(path, { method: 'POST', json: {} });
    expect(refused.status).toBe(400);
    const body = (await refused.json()) as { issues: Array<{ path: string; message: string }> };
    expect(body.issues.map((i) => i.path)).toEqual([
      'card_number',
      'cvv',
      'expiration_month',
      'expiration_year',
    ]);
    expect(body.issues[0]?.message).toContain('scrubbed');

    const patch = { ...card(S.card1, S.cvv3, S.year1), enrollment_id: enrollmentId() };
    const replayed = await admin(path, { method: 'POST', json: { patch } });
    expect(replayed.status).toBe(202);
    const { replayed_as } = (await replayed.json()) as { replayed_as: string };
    expect((await settled(replayed_as)).state).toBe('completed');
    await eventually(
      async () => (await queueOf('purchase').getJob(replayed_as))?.data.meta.secrets_scrubbed_at,
      { what: 'the replay to be scrubbed' },
    );
  });

  it('keeps no customer secret in Redis after scrubbing, not even encrypted', async () => {
    const dump = await dumpRedis(h.redis, `${h.prefix}*`);
    const tokenPool = `${h.prefix}:vcare:tokens`;
    expect(dump.get(tokenPool)).toContain('enc:v1:');
    for (const [key, content] of dump) {
      expect(secretsIn(content, secrets()), key).toEqual([]);
      if (key === tokenPool) continue;
      // Only the agent password (from config) is kept, for replays; in JSON inside JSON.
      const sealed = [...content.matchAll(/\\?"(\w+)\\?":\\?"(enc:v1:[^"\\]+)/g)];
      expect(sealed.length, key).toBe(content.split('enc:v1:').length - 1);
      for (const [, field, value] of sealed) {
        expect(field, key).toBe(SEALED_SECRETS);
        expect(Object.keys(JSON.parse(cipher.decrypt(value as string))), key).toEqual([
          'agent_password',
        ]);
      }
    }
  });

  it('logs requests and dead letters without any secret or body', () => {
    const records = logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records).toContainEqual(
      expect.objectContaining({
        msg: 'request',
        method: 'POST',
        path: '/v1/orders',
        status: 202,
        requestId: expect.any(String),
        duration_ms: expect.any(Number),
      }),
    );
    expect(records).toContainEqual(
      expect.objectContaining({
        msg: 'order dead-lettered',
        error: expect.objectContaining({ msg_code: 'RESTAPI110', errors: expect.any(Array) }),
      }),
    );
    expect(records.some((r) => 'body' in r || 'order' in r)).toBe(false);
    expect(secretsIn(logLines.join(''), secrets())).toEqual([]);
  });
});

describe('the scheduled sweep', () => {
  let short: Harness;
  beforeAll(async () => {
    // 0.0005 h = 1.8 s: the sweep then runs every second.
    short = await startHarness({ env: { DEAD_LETTER_SECRET_TTL_HOURS: '0.0005' } });
  });
  afterAll(async () => {
    await short?.close();
  });

  it('scrubs a dead-letter entry by itself once its TTL has passed', async () => {
    const res = await short.api('/v1/orders', { json: permOrder });
    const { id } = (await res.json()) as { id: string };
    const entry = await eventually(
      async () => {
        const found = await short.service.deadLetters.getJob(deadLetterId('purchase', id));
        return found?.data.secrets_scrubbed_at ? found : undefined;
      },
      { what: 'the sweep to scrub the entry', timeoutMs: 20_000 },
    );
    expect(entry.data.payload.order.card_number).toEqual(SCRUBBED);
  });
});
