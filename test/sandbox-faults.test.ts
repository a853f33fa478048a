import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  authenticate,
  call,
  credentials,
  effectCount,
  enrollment,
  request,
  type Started,
  startSandbox,
  validBody,
} from './sandbox-harness.ts';

const slowMs = 2_000;
let randomValue = 0.5;
let s: Started;

beforeAll(async () => {
  s = await startSandbox({ slowMs, random: () => randomValue });
});
afterAll(() => s.sandbox.close());
beforeEach(() => {
  s.sandbox.reset();
  randomValue = 0.5;
});

const prepaid = (id: string) => validBody('create_customer_prepaid', id);
const purchase = (id: string) => validBody('equipment_purchase', id);

function callsFor(id: string) {
  return s.sandbox.ledger().calls.filter((c) => c.enrollment_id === id);
}

describe('sandbox deterministic faults', () => {
  it('answers PERM enrollments RESTAPI110 with an errors array, every time, with no effect', async () => {
    const id = enrollment('PERM');
    for (let i = 0; i < 2; i++) {
      const answer = await call(s.url, '/customer', prepaid(id));
      expect(answer.json).toMatchObject({ msg_code: 'RESTAPI110', msg: 'Error occurred' });
      expect(answer.json?.errors?.[0]).toContain(id);
      expect(answer.json?.token).toBeTypeOf('string');
    }
    expect(effectCount(s.sandbox, 'create_customer_prepaid', id)).toBe(0);
  });

  it('answers FLAKY2 enrollments HTTP 503 twice, then normally', async () => {
    const id = enrollment('FLAKY2');
    for (let i = 0; i < 2; i++) {
      const answer = await call(s.url, '/customer', prepaid(id));
      expect(answer.status).toBe(503);
      expect(answer.contentType).toMatch(/^text\/html/);
      expect(answer.json).toBeUndefined();
    }
    const third = await call(s.url, '/customer', prepaid(id));
    expect(third.json?.msg_code).toBe('RESTAPI000');
    expect(effectCount(s.sandbox, 'create_customer_prepaid', id)).toBe(1);
    expect(callsFor(id).map((c) => [c.http_status, c.msg_code])).toEqual([
      [503, null],
      [503, null],
      [200, 'RESTAPI000'],
    ]);
  });

  it('holds SLOW enrollments without answering until the client times out', async () => {
    const id = enrollment('SLOW');
    const started = performance.now();
    const held = call(s.url, '/customer', prepaid(id), { signal: AbortSignal.timeout(150) });
    await expect(held).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(performance.now() - started).toBeLessThan(slowMs);
    expect(callsFor(id)).toEqual([expect.objectContaining({ http_status: null, msg_code: null })]);
    expect(effectCount(s.sandbox, 'create_customer_prepaid', id)).toBe(0);
  });

  it('applies a LOST call, drops the connection, then refuses a second customer', async () => {
    const id = enrollment('LOST');
    await expect(call(s.url, '/customer', prepaid(id))).rejects.toThrow();
    expect(effectCount(s.sandbox, 'create_customer_prepaid', id)).toBe(1);
    const again = await call(s.url, '/customer', prepaid(id));
    expect(again.json?.errors).toEqual([`Customer already exists for enrollment ${id}`]);
    expect(effectCount(s.sandbox, 'create_customer_prepaid', id)).toBe(1);
    expect(callsFor(id).map((c) => c.http_status)).toEqual([null, 200]);
  });

  it('charges a LOST purchase, and charges again when it is repeated', async () => {
    const id = enrollment('LOST');
    await expect(call(s.url, '/equipment', purchase(id))).rejects.toThrow();
    const again = await call(s.url, '/equipment', purchase(id));
    expect(again.json?.msg_code).toBe('RESTAPI000');
    expect(effectCount(s.sandbox, 'equipment_purchase', id)).toBe(2);
  });

  it('answers TOKEN enrollments Token expire once, then normally', async () => {
    const id = enrollment('TOKEN');
    const first = await call(s.url, '/customer', prepaid(id));
    expect(first.json).toMatchObject({ msg_code: 'RESTAPI001', msg: 'Token expire' });
    expect(first.json?.token).toBeTypeOf('string');
    const second = await request(s.url, '/customer', {
      token: first.json?.token,
      body: prepaid(id),
    });
    expect(second.json?.msg_code).toBe('RESTAPI000');
    expect(effectCount(s.sandbox, 'create_customer_prepaid', id)).toBe(1);
  });

  it('checks token, routing and fields before faults', async () => {
    const id = enrollment('FLAKY9');
    const noToken = await request(s.url, '/customer', { body: prepaid(id) });
    expect(noToken.json?.msg).toBe('Invalid Token');
    const missing = await call(s.url, '/customer', { ...prepaid(id), first_name: '' });
    expect(missing.json?.msg_code).toBe('RESTAPI110');
  });
});

describe('sandbox random faults', () => {
  it('answers 503 to everything with error_rate 1, and normally with error_rate 0', async () => {
    const token = await authenticate(s.url);
    s.sandbox.setFaults({ error_rate: 1 });
    const failed = await request(s.url, '/customer', { token, body: prepaid(enrollment()) });
    expect(failed.status).toBe(503);
    const auth = await request(s.url, '/authenticate', { body: credentials });
    expect(auth.status).toBe(503);
    s.sandbox.setFaults({ error_rate: 0 });
    const ok = await call(s.url, '/customer', prepaid(enrollment()));
    expect(ok.json?.msg_code).toBe('RESTAPI000');
  });

  it('sets faults through POST /__sandbox/faults, fields left out being 0', async () => {
    const set = await request(s.url, '/__sandbox/faults', { body: { token_expire_rate: 1 } });
    expect(set.status).toBe(200);
    const current = await request(s.url, '/__sandbox/faults', { method: 'GET' });
    expect(current.json).toEqual({
      error_rate: 0,
      latency_ms: 0,
      jitter_ms: 0,
      timeout_rate: 0,
      drop_rate: 0,
      token_expire_rate: 1,
      retry_after_s: 0,
    });
    const answer = await call(s.url, '/customer', prepaid(enrollment()));
    expect(answer.json).toMatchObject({ msg_code: 'RESTAPI001', msg: 'Token expire' });
  });

  it('refuses invalid faults with 400 naming the field', async () => {
    for (const [body, field] of [
      [{ error_rate: 2 }, 'error_rate'],
      [{ latency_ms: -1 }, 'latency_ms'],
      [{ drop_rate: '0.5' }, 'drop_rate'],
      [{ eror_rate: 0.5 }, 'eror_rate'],
    ] as const) {
      const answer = await request(s.url, '/__sandbox/faults', { body });
      expect(answer.status).toBe(400);
      expect(answer.json?.field).toBe(field);
    }
    const notJson = await request(s.url, '/__sandbox/faults', { raw: '{' });
    expect(notJson.status).toBe(400);
    expect(() => s.sandbox.setFaults({ timeout_rate: 7 })).toThrow(/timeout_rate/);
  });

  it('adds latency_ms ± jitter_ms before answering', async () => {
    const token = await authenticate(s.url);
    randomValue = 1; // the top of the jitter range
    s.sandbox.setFaults({ latency_ms: 100, jitter_ms: 100 });
    const started = performance.now();
    const answer = await request(s.url, '/customer', { token, body: prepaid(enrollment()) });
    expect(answer.json?.msg_code).toBe('RESTAPI000');
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('holds calls with timeout_rate 1', async () => {
    const token = await authenticate(s.url);
    s.sandbox.setFaults({ timeout_rate: 1 });
    const id = enrollment();
    const held = request(s.url, '/customer', {
      token,
      body: prepaid(id),
      signal: AbortSignal.timeout(150),
    });
    await expect(held).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(effectCount(s.sandbox, 'create_customer_prepaid', id)).toBe(0);
  });

  it('applies the effect and drops the connection with drop_rate 1', async () => {
    const token = await authenticate(s.url);
    s.sandbox.setFaults({ drop_rate: 1 });
    const id = enrollment();
    await expect(request(s.url, '/equipment', { token, body: purchase(id) })).rejects.toThrow();
    expect(effectCount(s.sandbox, 'equipment_purchase', id)).toBe(1);
  });

  it('leaves calls alone when the random draw is above the rate', async () => {
    randomValue = 0.9;
    s.sandbox.setFaults({
      error_rate: 0.5,
      drop_rate: 0.5,
      timeout_rate: 0.5,
      token_expire_rate: 0.5,
    });
    const answer = await call(s.url, '/customer', prepaid(enrollment()));
    expect(answer.json?.msg_code).toBe('RESTAPI000');
  });
});

describe('sandbox ledger and control API', () => {
  it('records every call, /authenticate and unanswered ones included, and exact effects', async () => {
    const id = enrollment('LOST');
    const token = await authenticate(s.url);
    await expect(request(s.url, '/customer', { token, body: prepaid(id) })).rejects.toThrow();
    const answer = await request(s.url, '/__sandbox/ledger', { method: 'GET' });
    expect(answer.status).toBe(200);
    const ledger = answer.json as unknown as ReturnType<typeof s.sandbox.ledger>;
    expect(ledger.calls).toEqual([
      {
        at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        done_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        path: '/authenticate',
        action: null,
        enrollment_id: null,
        http_status: 200,
        msg_code: 'RESTAPI000',
      },
      {
        at: expect.any(String),
        // Dropped: done when the connection was cut, though nothing was answered.
        done_at: expect.any(String),
        path: '/customer',
        action: 'create_customer_prepaid',
        enrollment_id: id,
        http_status: null,
        msg_code: null,
      },
    ]);
    expect(ledger.effects).toEqual([
      { action: 'create_customer_prepaid', enrollment_id: id, count: 1 },
    ]);
  });

  it('forgets calls, effects, customers, prefix counters and faults on POST /__sandbox/reset; tokens stay valid', async () => {
    const id = enrollment('FLAKY1');
    expect((await call(s.url, '/customer', prepaid(id))).status).toBe(503);
    expect((await call(s.url, '/customer', prepaid(id))).json?.msg_code).toBe('RESTAPI000');
    s.sandbox.setFaults({ latency_ms: 5 });
    const token = await authenticate(s.url);
    const reset = await request(s.url, '/__sandbox/reset', { body: {} });
    expect(reset.status).toBe(200);
    expect(s.sandbox.ledger()).toEqual({ calls: [], effects: [] });
    expect((await request(s.url, '/__sandbox/faults', { method: 'GET' })).json?.latency_ms).toBe(0);
    expect((await request(s.url, '/customer', { token, body: prepaid(id) })).status).toBe(503);
    expect((await call(s.url, '/customer', prepaid(id))).json?.msg_code).toBe('RESTAPI000');
  });

  it('answers GET /__sandbox/health and 404 for unknown control routes', async () => {
    const health = await request(s.url, '/__sandbox/health', { method: 'GET' });
    expect(health.status).toBe(200);
    expect(health.json).toEqual({ ok: true });
    expect((await request(s.url, '/__sandbox/nope', { method: 'GET' })).status).toBe(404);
  });
});

describe('sandbox under load and on close', () => {
  it('answers a thousand concurrent calls, each with its own token', async () => {
    const n = 1000;
    const tokens = await Promise.all(Array.from({ length: n }, () => authenticate(s.url)));
    const ids = tokens.map(() => enrollment());
    const answers = await Promise.all(
      tokens.map((token, i) => request(s.url, '/customer', { token, body: prepaid(ids[i] ?? '') })),
    );
    expect(answers.filter((a) => a.json?.msg_code === 'RESTAPI000')).toHaveLength(n);
    expect(new Set(answers.map((a) => a.json?.token)).size).toBe(n);
    expect(s.sandbox.ledger().effects).toHaveLength(n);
  });

  it('closes at once, destroying held connections', async () => {
    const other = await startSandbox({ slowMs: 60_000 });
    const held = call(other.url, '/customer', prepaid(enrollment('SLOW')));
    const settled = held.then(
      () => 'answered',
      () => 'rejected',
    );
    await expect.poll(() => other.sandbox.ledger().calls.length).toBe(2);
    const started = performance.now();
    await other.sandbox.close();
    expect(await settled).toBe('rejected');
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});
