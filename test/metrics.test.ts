import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrderStatus } from '../src/queue/order-status.ts';
import { eventually, type Harness, startHarness } from './support/harness.ts';
import { enrollmentId, prepaidOrder } from './support/orders.ts';

let h: Harness;
let text: string;

/** The value of the sample `name{labels…}` whose labels include `labels`; undefined when absent. */
function sample(name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = new Map(
      [...(match[2] ?? '').matchAll(/([a-z_]+)="([^"]*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => present.get(k) === v)) return Number(match[3]);
  }
  return undefined;
}

async function settle(body: unknown): Promise<OrderStatus> {
  const res = await h.api('/v1/orders', { json: body });
  expect(res.status).toBe(202);
  const { id } = (await res.json()) as { id: string };
  return eventually(
    async () => {
      const status = (await (await h.api(`/v1/orders/${id}`)).json()) as OrderStatus;
      return ['completed', 'dead_lettered'].includes(status.state) ? status : undefined;
    },
    { what: `order ${id} to settle` },
  );
}

beforeAll(async () => {
  h = await startHarness();
  const [ok, perm, flaky] = await Promise.all([
    settle(prepaidOrder(enrollmentId())),
    settle(prepaidOrder(enrollmentId('PERM'))),
    settle(prepaidOrder(enrollmentId('FLAKY1'))),
  ]);
  expect([ok?.state, perm?.state, flaky?.state]).toEqual([
    'completed',
    'dead_lettered',
    'completed',
  ]);
  const res = await fetch(`${h.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  text = await res.text();
});
afterAll(async () => {
  await h?.close();
});

describe('/metrics after one success, one PERM dead letter and one FLAKY retry', () => {
  const action = 'create_customer_prepaid';

  it('counts vCare calls by action, msg_code and outcome class', () => {
    expect(
      sample('vcare_calls_total', { action, msg_code: 'RESTAPI000', outcome: 'success' }),
    ).toBe(2);
    expect(
      sample('vcare_calls_total', { action, msg_code: 'RESTAPI110', outcome: 'permanent' }),
    ).toBe(1);
    // The FLAKY 503 comes from a "gateway" without a vCare body: no msg_code.
    expect(sample('vcare_calls_total', { action, msg_code: 'none', outcome: 'transient' })).toBe(1);
    expect(sample('vcare_call_duration_seconds_count', { action })).toBe(4);
    expect(sample('vcare_call_duration_seconds_bucket', { action, le: '+Inf' })).toBe(4);
  });

  it('counts /authenticate calls and exposes the token pool size', () => {
    expect(sample('vcare_authenticate_total', { outcome: 'success' })).toBeGreaterThanOrEqual(1);
    expect(sample('vcare_calls_total', { action: 'authenticate', outcome: 'success' })).toBe(
      sample('vcare_authenticate_total', { outcome: 'success' }),
    );
    expect(sample('vcare_token_pool_size')).toBeGreaterThanOrEqual(0);
  });

  it('counts finished orders by queue and outcome, and dead letters by reason', () => {
    expect(sample('orders_finished_total', { queue: 'enrollment', outcome: 'completed' })).toBe(2);
    expect(sample('orders_finished_total', { queue: 'enrollment', outcome: 'dead_lettered' })).toBe(
      1,
    );
    expect(sample('dead_letters_total', { queue: 'enrollment', reason: 'permanent_error' })).toBe(
      1,
    );
    expect(text).toContain('# TYPE replays_total counter');
    expect(text).toContain('# TYPE callback_deliveries_total counter');
  });

  it('samples queue depth per queue and state at scrape time', () => {
    expect(sample('queue_jobs', { queue: 'enrollment', state: 'completed' })).toBe(2);
    expect(sample('queue_jobs', { queue: 'enrollment', state: 'failed' })).toBe(1);
    expect(sample('queue_jobs', { queue: 'enrollment', state: 'waiting' })).toBe(0);
    expect(sample('queue_jobs', { queue: 'dead-letter', state: 'failed' })).toBe(1);
    expect(sample('queue_jobs', { queue: 'callbacks', state: 'waiting' })).toBe(0);
  });

  it('exposes every metric the Grafana dashboard in docs/ queries', () => {
    const dashboard = readFileSync(
      new URL('../docs/grafana-dashboard.json', import.meta.url),
      'utf8',
    );
    const exprs = [...dashboard.matchAll(/"expr": "((?:[^"\\]|\\.)*)"/g)].map((m) => m[1] ?? '');
    expect(exprs.length).toBeGreaterThan(5);
    const names = new Set(
      exprs.flatMap((e) =>
        [
          ...e.matchAll(
            /\b([a-z][a-z0-9_]*(?:_total|_seconds_bucket|_bytes|_seconds|_size|_jobs))\b/g,
          ),
        ].map((m) => m[1] as string),
      ),
    );
    for (const name of names) {
      const family = name.replace(/_bucket$/, '');
      expect(text, name).toContain(`# TYPE ${family} `);
    }
  });

  it('includes the default Node.js process metrics', () => {
    expect(sample('process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(sample('nodejs_eventloop_lag_seconds')).toBeDefined();
  });
});
