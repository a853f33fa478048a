import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  authenticate,
  credentials,
  enrollment,
  request,
  type Started,
  startSandbox,
  validBody,
} from './sandbox-harness.ts';

const ttlMs = 60_000;
let clock = 1_700_000_000_000;
let s: Started;

beforeAll(async () => {
  s = await startSandbox({ now: () => clock, tokenTtlMs: ttlMs });
});
afterAll(() => s.sandbox.close());

function statusChange(): Record<string, unknown> {
  return validBody('change_account_status', enrollment());
}

function decodePayload(token: string): Record<string, unknown> {
  const [, payload = ''] = token.split('.');
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe('sandbox /authenticate', () => {
  it('answers RESTAPI000 with a token for the right credentials', async () => {
    const answer = await request(s.url, '/authenticate', { body: credentials });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ msg_code: 'RESTAPI000', msg: 'Success' });
    expect(answer.json?.token).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it('answers RESTAPI109 Unauthorized Access, without a token, for a wrong pin', async () => {
    const answer = await request(s.url, '/authenticate', { body: { ...credentials, pin: '0' } });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ msg_code: 'RESTAPI109', msg: 'Unauthorized Access' });
    expect(answer.json?.token).toBeUndefined();
  });

  it('answers RESTAPI110 for a body that is not JSON', async () => {
    const answer = await request(s.url, '/authenticate', { raw: '{"vendor_id":' });
    expect(answer.json?.msg_code).toBe('RESTAPI110');
    expect(answer.json?.errors?.length).toBeGreaterThan(0);
  });

  it('issues JWT-shaped tokens carrying the credentials, a unique log_id and exp', async () => {
    const first = decodePayload(await authenticate(s.url));
    const second = decodePayload(await authenticate(s.url));
    expect(first.data).toMatchObject(credentials);
    expect(first.exp).toBe(Math.floor((clock + ttlMs) / 1000));
    const logId = (payload: Record<string, unknown>) => (payload.data as { log_id: number }).log_id;
    expect(logId(first)).not.toBe(logId(second));
  });
});

describe('sandbox tokens', () => {
  it('answers Invalid Access!! (RESTAPI001) to a GET, with a fresh token', async () => {
    const answer = await request(s.url, '/customer', { method: 'GET' });
    expect(answer.json).toMatchObject({ msg_code: 'RESTAPI001', msg: 'Invalid Access!!' });
    expect(answer.json?.token).toBeTypeOf('string');
  });

  it('answers Invalid Token without a token header, and to a forged one', async () => {
    const missing = await request(s.url, '/customer', { body: statusChange() });
    expect(missing.json).toMatchObject({ msg_code: 'RESTAPI001', msg: 'Invalid Token' });
    const token = await authenticate(s.url);
    const forged = `${token.slice(0, -3)}${token.endsWith('AAA') ? 'BBB' : 'AAA'}`;
    const tampered = await request(s.url, '/customer', { token: forged, body: statusChange() });
    expect(tampered.json?.msg).toBe('Invalid Token');
    const garbage = await request(s.url, '/customer', {
      token: 'not-a-token',
      body: statusChange(),
    });
    expect(garbage.json?.msg).toBe('Invalid Token');
  });

  it('accepts a token once and answers Token already used the second time', async () => {
    const token = await authenticate(s.url);
    const first = await request(s.url, '/customer', { token, body: statusChange() });
    expect(first.json?.msg_code).toBe('RESTAPI000');
    const again = await request(s.url, '/customer', { token, body: statusChange() });
    expect(again.json).toMatchObject({ msg_code: 'RESTAPI001', msg: 'Token already used' });
  });

  it('spends a token on a failing call too', async () => {
    const token = await authenticate(s.url);
    const failing = await request(s.url, '/customer', { token, body: { action: 'nope' } });
    expect(failing.json?.msg_code).toBe('RESTAPI106');
    const again = await request(s.url, '/customer', { token, body: statusChange() });
    expect(again.json?.msg).toBe('Token already used');
  });

  it('spends a token presented to a GET', async () => {
    const token = await authenticate(s.url);
    await request(s.url, '/customer', { method: 'GET', token });
    const again = await request(s.url, '/customer', { token, body: statusChange() });
    expect(again.json?.msg).toBe('Token already used');
  });

  it('answers Token expire once the TTL has passed, even for a used token', async () => {
    const unused = await authenticate(s.url);
    const used = await authenticate(s.url);
    await request(s.url, '/customer', { token: used, body: statusChange() });
    const young = await authenticate(s.url);
    clock += ttlMs - 1;
    const justInTime = await request(s.url, '/customer', { token: young, body: statusChange() });
    expect(justInTime.json?.msg_code).toBe('RESTAPI000');
    clock += 2;
    for (const token of [unused, used]) {
      const answer = await request(s.url, '/customer', { token, body: statusChange() });
      expect(answer.json).toMatchObject({ msg_code: 'RESTAPI001', msg: 'Token expire' });
    }
  });

  it('still knows an expired token long after it expired', async () => {
    const token = await authenticate(s.url);
    clock += 10 * ttlMs;
    await authenticate(s.url); // issuing prunes what expired
    const answer = await request(s.url, '/customer', { token, body: statusChange() });
    expect(answer.json?.msg).toBe('Token expire');
  });

  it('puts a fresh, usable token in every reply, success or failure', async () => {
    let token = await authenticate(s.url);
    const bodies: unknown[] = [
      statusChange(),
      { action: 'change_account_status' },
      { ...statusChange(), source: 'FAX' },
      { ...statusChange(), agent_id: '' },
      { action: 'no_such_action' },
    ];
    for (const body of bodies) {
      const answer = await request(s.url, '/customer', { token, body });
      const next = answer.json?.token;
      expect(next).toBeTypeOf('string');
      expect(next).not.toBe(token);
      token = next ?? '';
    }
    const notPost = await request(s.url, '/customer', { method: 'GET', token });
    expect(notPost.json?.token).toBeTypeOf('string');
    const refused = await request(s.url, '/customer', { token, body: statusChange() });
    expect(refused.json?.msg).toBe('Token already used');
    expect(refused.json?.token).toBeTypeOf('string');
    const last = await request(s.url, '/customer', {
      token: refused.json?.token,
      body: statusChange(),
    });
    expect(last.json?.msg_code).toBe('RESTAPI000');
  });

  it('expires tokens when the clock is advanced through POST /__sandbox/clock', async () => {
    const token = await authenticate(s.url);
    const advanced = await request(s.url, '/__sandbox/clock', { body: { advance_ms: ttlMs + 1 } });
    expect(advanced.status).toBe(200);
    expect(advanced.json?.now).toBe(new Date(clock + ttlMs + 1).toISOString());
    const answer = await request(s.url, '/customer', { token, body: statusChange() });
    expect(answer.json?.msg).toBe('Token expire');
  });

  it('refuses a clock advance that is not a non-negative number', async () => {
    const answer = await request(s.url, '/__sandbox/clock', { body: { advance_ms: -5 } });
    expect(answer.status).toBe(400);
    expect(answer.json?.field).toBe('advance_ms');
  });

  it('accepts any token, or none, when token checks are off', async () => {
    const open = await startSandbox({ checkTokens: false });
    try {
      const answer = await request(open.url, '/customer', { body: statusChange() });
      expect(answer.json?.msg_code).toBe('RESTAPI000');
      expect(answer.json?.token).toBeTypeOf('string');
    } finally {
      await open.sandbox.close();
    }
  });
});
