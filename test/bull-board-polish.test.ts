import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BULL_BOARD_PATH } from '../src/api/bull-board.ts';
import { ADMIN, eventually, type Harness, startHarness } from './support/harness.ts';
import { enrollmentId, prepaidOrder } from './support/orders.ts';

interface BoardJob {
  id: string;
  name: string;
  externalUrl?: { href: string; displayText?: string };
}
interface BoardQueue {
  name: string;
  description?: string;
  jobs: BoardJob[];
}

let h: Harness;
let enrollment: string;
let orderId: string;

function board(path: string): Promise<Response> {
  const auth = Buffer.from(`${ADMIN.user}:${ADMIN.password}`).toString('base64');
  return fetch(`${h.url}${BULL_BOARD_PATH}${path}`, {
    headers: { authorization: `Basic ${auth}` },
  });
}

async function queues(active: string, status: string): Promise<BoardQueue[]> {
  const res = await board(
    `/api/queues?activeQueue=${active}&status=${status}&page=1&jobsPerPage=10`,
  );
  expect(res.status).toBe(200);
  return ((await res.json()) as { queues: BoardQueue[] }).queues;
}

beforeAll(async () => {
  h = await startHarness();
  enrollment = enrollmentId('PERM');
  const res = await h.api('/v1/orders', { json: prepaidOrder(enrollment) });
  orderId = ((await res.json()) as { id: string }).id;
  await eventually(
    async () => {
      const status = (await (await h.api(`/v1/orders/${orderId}`)).json()) as { state: string };
      return status.state === 'dead_lettered' ? true : undefined;
    },
    { what: 'the PERM order to be dead-lettered' },
  );
});
afterAll(async () => {
  await h?.close();
});

describe('Bull Board', () => {
  it('describes each queue, the callbacks queue included', async () => {
    const all = await queues('enrollment', 'latest');
    const byName = new Map(all.map((q) => [q.name, q]));
    expect([...byName.keys()].sort()).toEqual(
      ['activation', 'callbacks', 'dead-letter', 'enrollment', 'purchase', 'status-change'].sort(),
    );
    expect(byName.get('enrollment')?.description).toContain('create_customer_prepaid');
    expect(byName.get('purchase')?.description).toContain('equipment_purchase');
    expect(byName.get('dead-letter')?.description).toContain('failed for good');
    expect(byName.get('callbacks')?.description).toContain('callback_url');
  });

  it('names a dead letter by action, enrollment id and reason, linked to its original job', async () => {
    const deadLetter = (await queues('dead-letter', 'failed')).find(
      (q) => q.name === 'dead-letter',
    );
    const [entry] = deadLetter?.jobs ?? [];
    expect(entry?.name).toBe(`create_customer_prepaid · ${enrollment} · permanent_error`);
    expect(entry?.externalUrl?.href).toBe(`${BULL_BOARD_PATH}/queue/enrollment/${orderId}`);
  });

  it('names an order by action and enrollment id, linked to its dead-letter entry', async () => {
    const res = await board(`/api/queues/enrollment/${orderId}`);
    expect(res.status).toBe(200);
    const { job } = (await res.json()) as { job: BoardJob };
    expect(job.name).toBe(`create_customer_prepaid · ${enrollment}`);
    expect(job.externalUrl?.href).toBe(
      `${BULL_BOARD_PATH}/queue/dead-letter/dl-enrollment-${orderId}`,
    );
  });
});
