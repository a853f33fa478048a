import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SIGNATURE_HEADER,
  signCallback,
  verifyCallbackSignature,
} from '../src/security/callback-signature.ts';
import { eventually, type Harness, jobIn, startHarness } from './support/harness.ts';
import { enrollmentId, prepaidOrder } from './support/orders.ts';

const SECRET = 'test-callback-secret-0123456789';

interface Delivery {
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
}

/** An upstream receiver: records every delivery; `/flaky…` paths answer 500 the first time. */
let receiver: Server;
let receiverUrl: string;
const deliveries: Delivery[] = [];
const refusedOnce = new Set<string>();

let h: Harness;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      raw += chunk;
    });
    req.on('end', () => {
      const path = req.url ?? '';
      deliveries.push({ path, headers: req.headers, raw });
      if (path.startsWith('/flaky') && !refusedOnce.has(path)) {
        refusedOnce.add(path);
        res.writeHead(500).end('try later');
        return;
      }
      res.writeHead(204).end();
    });
  });
  receiver.listen(0, '127.0.0.1');
  await once(receiver, 'listening');
  receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}`;
  h = await startHarness({
    env: { CALLBACK_SECRET: SECRET, CALLBACK_BACKOFF_DELAY_MS: '20' },
  });
});
afterAll(async () => {
  await h?.close();
  receiver?.closeAllConnections();
  await new Promise((resolve) => receiver?.close(resolve));
});

async function submit(body: Record<string, unknown>): Promise<string> {
  const res = await h.api('/v1/orders', { json: body });
  expect(res.status).toBe(202);
  return ((await res.json()) as { id: string }).id;
}

function deliveriesTo(path: string, count: number): Promise<Delivery[]> {
  return eventually(
    async () => {
      const found = deliveries.filter((d) => d.path === path);
      return found.length >= count ? found : undefined;
    },
    { what: `${count} callback(s) to ${path}` },
  );
}

function expectSigned(delivery: Delivery): void {
  const header = delivery.headers[SIGNATURE_HEADER.toLowerCase()] as string;
  expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
  expect(verifyCallbackSignature(SECRET, header, delivery.raw)).toBe(true);
  expect(verifyCallbackSignature('another-secret-0123456789', header, delivery.raw)).toBe(false);
  expect(verifyCallbackSignature(SECRET, header, `${delivery.raw} `)).toBe(false);
}

describe('status callbacks to upstream', () => {
  it('POSTs a signed completed status to callback_url, which never reaches vCare', async () => {
    const enrollment = enrollmentId();
    const path = `/ok/${enrollment}`;
    const id = await submit({ ...prepaidOrder(enrollment), callback_url: `${receiverUrl}${path}` });
    const [delivery] = await deliveriesTo(path, 1);
    expectSigned(delivery as Delivery);
    expect(JSON.parse((delivery as Delivery).raw)).toMatchObject({
      id,
      action: 'create_customer_prepaid',
      enrollment_id: enrollment,
      state: 'completed',
      result: { msg_code: 'RESTAPI000', data: { enrollment_id: enrollment } },
    });
    expect((delivery as Delivery).headers['x-vcare-orders-delivery']).toBe(`cb-enrollment-${id}`);
    // The URL lives in the job's meta; the order body (what vCare gets) has no such field.
    const job = await h.service.producer.queues.get('enrollment')?.getJob(id);
    expect(job?.data.order).not.toHaveProperty('callback_url');
    expect(job?.data.meta.callback_url).toBe(`${receiverUrl}${path}`);
  });

  it('POSTs a dead_lettered status with the reason and the dead-letter id', async () => {
    const enrollment = enrollmentId('PERM');
    const path = `/ok/${enrollment}`;
    const id = await submit({ ...prepaidOrder(enrollment), callback_url: `${receiverUrl}${path}` });
    const [delivery] = await deliveriesTo(path, 1);
    expectSigned(delivery as Delivery);
    expect(JSON.parse((delivery as Delivery).raw)).toMatchObject({
      id,
      state: 'dead_lettered',
      error: { reason: 'permanent_error', class: 'permanent', msg_code: 'RESTAPI110' },
      dead_letter_id: `dl-enrollment-${id}`,
    });
  });

  it('retries a callback the receiver first answers with 500, then completes it', async () => {
    const enrollment = enrollmentId();
    const path = `/flaky/${enrollment}`;
    const id = await submit({ ...prepaidOrder(enrollment), callback_url: `${receiverUrl}${path}` });
    const [first, second] = await deliveriesTo(path, 2);
    expectSigned(first as Delivery);
    expectSigned(second as Delivery);
    expect((second as Delivery).raw).toBe((first as Delivery).raw);
    const callback = await jobIn(
      h.service.callbacks,
      `cb-enrollment-${id}`,
      'completed',
      'the callback job to complete',
    );
    expect(callback.attemptsMade).toBe(2);
    // The order itself completed without waiting for its callback.
    const status = (await (await h.api(`/v1/orders/${id}`)).json()) as { state: string };
    expect(status.state).toBe('completed');
  });

  it('rejects an order whose callback_url is not an http(s) URL and queues nothing', async () => {
    const enrollment = enrollmentId();
    const res = await h.api('/v1/orders', {
      json: { ...prepaidOrder(enrollment), callback_url: 'ftp://example.com/hook' },
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: 'validation_failed',
      issues: [{ path: 'callback_url', message: 'callback_url must be an http or https URL' }],
    });
    const counts = await h.service.producer.queues.get('enrollment')?.getJobCounts('waiting');
    expect(counts?.waiting ?? 0).toBe(0);
  });
});

describe('callback signature', () => {
  it('verifies t=<unix>,v1=<hmac> and refuses a stale timestamp', () => {
    const now = 1_750_000_000;
    const header = signCallback(SECRET, '{"a":1}', now);
    expect(verifyCallbackSignature(SECRET, header, '{"a":1}', { now: now + 10 })).toBe(true);
    expect(verifyCallbackSignature(SECRET, header, '{"a":1}', { now: now + 301 })).toBe(false);
    expect(verifyCallbackSignature(SECRET, 'garbage', '{"a":1}', { now })).toBe(false);
  });
});
