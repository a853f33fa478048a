import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, type Harness, startHarness } from './support/harness.ts';
import { enrollmentId, prepaidOrder } from './support/orders.ts';

// `POST /v1/orders` is answered without express in the common case (intake-fast-path.ts); a
// request with `Content-Encoding: identity` takes the express route instead. Both must answer
// every request alike.
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ workers: false });
});
afterAll(async () => {
  await h?.close();
});

interface Seen {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

/** Headers that differ between any two answers, whichever path. */
const VARYING = new Set(['date', 'x-request-id', 'location', 'content-length', 'keep-alive']);

async function post(
  path: 'fast' | 'express',
  body: string,
  headers: Record<string, string> = {},
): Promise<Seen> {
  const res = await fetch(`${h.url}/v1/orders`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${API_KEY}`,
      'content-type': 'application/json',
      ...(path === 'express' && { 'content-encoding': 'identity' }),
      ...headers,
    },
    body,
  });
  const seen: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    if (!VARYING.has(name)) seen[name] = value;
  });
  return { status: res.status, body: await res.json(), headers: seen };
}

/** Both paths, each with its own order (ids and enrollment ids differ, nothing else). */
async function both(
  make: () => { body: string; headers?: Record<string, string> },
): Promise<[Seen, Seen]> {
  const fast = make();
  const slow = make();
  return [
    await post('fast', fast.body, fast.headers),
    await post('express', slow.body, slow.headers),
  ];
}

const order = () => JSON.stringify(prepaidOrder(enrollmentId()));
const withoutIds = (seen: Seen) => {
  const { id: _id, status_url: _url, ...rest } = seen.body as Record<string, unknown>;
  return { ...seen, body: rest };
};

describe('POST /v1/orders, fast path and express alike', () => {
  it('accepts a valid order with the same status, body and headers', async () => {
    const [fast, slow] = await both(() => ({ body: order() }));
    expect(fast.status).toBe(202);
    expect(withoutIds(fast)).toEqual(withoutIds(slow));
    expect(fast.headers['content-security-policy']).toContain("default-src 'self'");
  });

  it('answers a repeated idempotency key with the first order', async () => {
    const key = `fast-${enrollmentId()}`;
    const body = order();
    const first = await post('fast', body, { 'idempotency-key': key });
    const again = await post('fast', body, { 'idempotency-key': key });
    const viaExpress = await post('express', body, { 'idempotency-key': key });
    expect(first.status).toBe(202);
    expect(again).toEqual({ ...first, status: 200 });
    expect(viaExpress).toEqual(again);
  });

  it.each([
    ['a validation failure', JSON.stringify({ action: 'create_customer_prepaid' })],
    ['malformed JSON', '{"action": '],
    ['JSON that is not an object', '"create_customer_prepaid"'],
    ['a number', '42'],
    ['an empty object', '{}'],
  ])('refuses %s the same way', async (_what, body) => {
    const [fast, slow] = await both(() => ({ body }));
    expect(fast.status).toBe(400);
    expect(fast).toEqual(slow);
  });

  it('refuses a wrong producer key the same way', async () => {
    const [fast, slow] = await both(() => ({
      body: order(),
      headers: { authorization: 'Bearer not-a-producer-key' },
    }));
    expect(fast.status).toBe(401);
    expect(fast).toEqual(slow);
  });

  it('leaves a body over the limit to express (413)', async () => {
    const big = JSON.stringify({ ...prepaidOrder(enrollmentId()), note: 'x'.repeat(300_000) });
    const seen = await post('fast', big);
    expect(seen.status).toBe(413);
    expect(seen.body).toEqual({ error: 'payload_too_large' });
  });
});
