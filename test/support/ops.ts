import { expect } from 'vitest';
import type { DeadLetterDetail } from '../../src/queue/dead-letter-view.ts';
import type { OrderStatus } from '../../src/queue/order-status.ts';
import { ADMIN, eventually, type Harness } from './harness.ts';

export const ADMIN_AUTH = `Basic ${Buffer.from(`${ADMIN.user}:${ADMIN.password}`).toString('base64')}`;

/** fetch against the ops API as the admin. */
export function ops(
  h: Harness,
  path: string,
  init: RequestInit & { json?: unknown } = {},
): Promise<Response> {
  return h.api(path, { ...init, headers: { authorization: ADMIN_AUTH, ...init.headers } });
}

/** Queues an order and returns its id. */
export async function submit(h: Harness, body: unknown): Promise<string> {
  const res = await h.api('/v1/orders', { json: body });
  expect(res.status).toBe(202);
  return ((await res.json()) as { id: string }).id;
}

export async function orderStatus(h: Harness, id: string): Promise<OrderStatus> {
  return (await (await h.api(`/v1/orders/${encodeURIComponent(id)}`)).json()) as OrderStatus;
}

/** Waits until the order reaches `state` (fails on another final state). */
export function orderReaches(
  h: Harness,
  id: string,
  state: 'completed' | 'dead_lettered',
): Promise<OrderStatus> {
  return eventually(
    async () => {
      const status = await orderStatus(h, id);
      if (status.state === state) return status;
      if (['completed', 'dead_lettered'].includes(status.state)) {
        throw new Error(`order ${id} ended ${status.state}, expected ${state}`);
      }
      return undefined;
    },
    { what: `order ${id} to be ${state}` },
  );
}

export async function entryView(h: Harness, id: string): Promise<DeadLetterDetail> {
  const res = await ops(h, `/v1/dead-letters/${encodeURIComponent(id)}`);
  expect(res.status).toBe(200);
  return (await res.json()) as DeadLetterDetail;
}

/** Queues an order that the sandbox fails, and waits until its dead-letter entry is parked. */
export async function deadLettered(
  h: Harness,
  body: unknown,
): Promise<{ id: string; entryId: string }> {
  const id = await submit(h, body);
  const status = await orderReaches(h, id, 'dead_lettered');
  const entryId = status.dead_letter_id as string;
  await eventually(
    async () => ((await entryView(h, entryId)).state === 'failed' ? true : undefined),
    { what: `entry ${entryId} to be parked` },
  );
  return { id, entryId };
}
