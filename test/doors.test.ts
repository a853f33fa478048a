import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, PRODUCTION_REQUIRED_ENV } from '../src/config.ts';
import { ADMIN, API_KEY, type Harness, startHarness } from './support/harness.ts';
import { prepaidOrder } from './support/orders.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ workers: false });
});
afterAll(async () => {
  await h?.close();
});

const basic = (user: string, password: string) => `Basic ${btoa(`${user}:${password}`)}`;

async function call(method: string, path: string, authorization?: string, body?: string) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (authorization) headers.authorization = authorization;
  return fetch(`${h.url}${path}`, { method, headers, body });
}

async function expectRefused(res: Response) {
  expect(res.status).toBe(401);
  // No detail: the same answer whatever was wrong.
  expect(await res.json()).toEqual({ error: 'unauthorized' });
}

describe('producer routes', () => {
  const wrong = {
    'no key': undefined,
    'a wrong key': 'Bearer wrong-key-0123456789abcdef',
    'the key without Bearer': API_KEY,
    'the admin credentials': basic(ADMIN.user, ADMIN.password),
  };
  for (const [what, authorization] of Object.entries(wrong)) {
    it(`refuses ${what} with a bare 401`, async () => {
      await expectRefused(await call('POST', '/v1/orders', authorization, '{}'));
      await expectRefused(await call('GET', '/v1/orders/some-id', authorization));
      await expectRefused(await call('POST', '/v1/orders/batch', authorization, '[]'));
    });
  }
});

describe('admin routes (Bull Board, dead letters)', () => {
  const routes: Array<[string, string]> = [
    ['GET', '/admin/queues'],
    ['GET', '/admin/queues/api/queues'],
    ['PUT', '/admin/queues/api/queues/dead-letter/pause'],
    ['GET', '/v1/dead-letters'],
    ['GET', '/v1/dead-letters/dl-enrollment-1'],
    ['POST', '/v1/dead-letters/dl-enrollment-1/replay'],
    ['DELETE', '/v1/dead-letters/dl-enrollment-1'],
  ];
  const wrong = {
    'no credentials': undefined,
    'a wrong password': basic(ADMIN.user, 'not-the-password'),
    'the producer key': `Bearer ${API_KEY}`,
    'the producer key as the password': basic(ADMIN.user, API_KEY),
  };
  for (const [what, authorization] of Object.entries(wrong)) {
    it(`refuses ${what} on every admin route with a bare 401`, async () => {
      for (const [method, path] of routes) {
        const res = await call(method, path, authorization, method === 'POST' ? '{}' : undefined);
        expect(res.headers.get('www-authenticate'), path).toContain('Basic');
        await expectRefused(res);
      }
    });
  }

  it('lets the admin in', async () => {
    const board = await call('GET', '/admin/queues', basic(ADMIN.user, ADMIN.password));
    expect(board.status).toBe(200);
    expect(await board.text()).toContain('<div id="root">');
    const entries = await call('GET', '/v1/dead-letters', basic(ADMIN.user, ADMIN.password));
    expect(entries.status).toBe(200);
  });
});

describe('request limits and headers', () => {
  it('answers 413 to a single order past 256 kB, and nothing is queued', async () => {
    const body = JSON.stringify(prepaidOrder(undefined, { notes: 'x'.repeat(300_000) }));
    const res = await call('POST', '/v1/orders', `Bearer ${API_KEY}`, body);
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ error: 'payload_too_large' });
    const counts = await h.service.producer.queues.get('enrollment')?.getJobCounts();
    expect(Object.values(counts ?? {}).reduce((a, b) => a + b, 0)).toBe(0);
  });

  it('reads a batch of a megabyte, and answers 413 past 5 MB', async () => {
    const item = { action: 'no_such_action', notes: 'x'.repeat(1_000_000) };
    const ok = await call('POST', '/v1/orders/batch', `Bearer ${API_KEY}`, JSON.stringify([item]));
    expect(ok.status).toBe(200);
    const big = JSON.stringify(Array.from({ length: 6 }, () => item));
    const refused = await call('POST', '/v1/orders/batch', `Bearer ${API_KEY}`, big);
    expect(refused.status).toBe(413);
  });

  it('sends helmet headers on the API and Bull Board, and a request id', async () => {
    const responses = [
      await call('GET', '/v1/orders/no-such-order', `Bearer ${API_KEY}`),
      await call('GET', '/admin/queues', basic(ADMIN.user, ADMIN.password)),
      await call('GET', '/healthz'),
    ];
    for (const res of responses) {
      expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(res.headers.get('strict-transport-security')).toContain('max-age=');
      expect(res.headers.get('x-powered-by')).toBeNull();
      expect(res.headers.get('x-request-id')).toMatch(/^[\w-]+$/);
    }
  });
});

describe('configuration', () => {
  const key = () => randomBytes(32).toString('base64');
  function production(overrides: Record<string, string | undefined> = {}) {
    const env: Record<string, string | undefined> = {
      NODE_ENV: 'production',
      VCARE_VENDOR_ID: 'vendor',
      VCARE_USERNAME: 'user',
      VCARE_PASSWORD: 'real-vcare-password',
      VCARE_PIN: '9876',
      VCARE_AGENT_ID: 'agent',
      VCARE_AGENT_PASSWORD: 'real-agent-password',
      API_KEYS: 'producer-key-0123456789',
      ADMIN_USER: 'ops',
      ADMIN_PASSWORD: 'real-admin-password',
      CALLBACK_SECRET: 'real-callback-secret-0123',
      DATA_KEY: key(),
    };
    // Variables added since this test was written get a plausible value.
    for (const name of PRODUCTION_REQUIRED_ENV) env[name] ??= 'production-value-0123456789';
    return { ...env, ...overrides };
  }

  it('accepts a complete production configuration', () => {
    expect(loadConfig(production()).production).toBe(true);
  });

  it('refuses to start in production with a variable missing, naming it', () => {
    for (const name of ['DATA_KEY', 'API_KEYS', 'ADMIN_PASSWORD', 'VCARE_PASSWORD']) {
      expect(() => loadConfig(production({ [name]: undefined })), name).toThrow(
        new RegExp(`${name} is required in production`),
      );
    }
  });

  it('refuses to start in production with a development default, naming it', () => {
    const defaults = {
      ADMIN_USER: 'admin',
      ADMIN_PASSWORD: 'admin',
      API_KEYS: 'producer-key-0123456789,dev-producer-key',
      VCARE_PASSWORD: 'sandbox-password',
    };
    for (const [name, value] of Object.entries(defaults)) {
      expect(() => loadConfig(production({ [name]: value })), name).toThrow(ConfigError);
      expect(() => loadConfig(production({ [name]: value })), name).toThrow(name);
    }
  });

  it('takes a comma-separated DATA_KEY list, the first key first, and refuses a bad key', () => {
    const [first, second] = [key(), key()];
    expect(loadConfig(production({ DATA_KEY: `${first}, ${second}` })).dataKeys).toEqual([
      first,
      second,
    ]);
    expect(() => loadConfig(production({ DATA_KEY: `${first},too-short` }))).toThrow(
      /DATA_KEY: each comma-separated key must be 32 bytes/,
    );
  });
});
