import { setTimeout as delay } from 'node:timers/promises';
import { loadCliConfig } from '../src/cli/cli-config.ts';
import { type DemoOrder, demoOrders } from './demo-orders.ts';

/**
 * `npm run demo`: with `npm start` running, sends the vendor sample orders and a few the
 * sandbox fails on purpose, waits (at most WAIT_MS) until they settle, and prints what
 * happened and where to look in Bull Board. Reads VCARE_ORDERS_URL, VCARE_ORDERS_API_KEY and
 * VCARE_ORDERS_ADMIN like the CLI (development defaults otherwise), SANDBOX_PORT for the ledger.
 */

const WAIT_MS = 60_000;
const SETTLED = new Set(['completed', 'dead_lettered', 'failed']);

interface Sent {
  order: DemoOrder;
  id?: string;
  queue?: string;
  rejected?: string;
  status?: {
    state: string;
    attempts: number;
    result?: { msg_code?: string };
    dead_letter_id?: string;
    error?: string;
  };
}

const config = loadCliConfig(process.env);
const sandboxUrl = `http://127.0.0.1:${process.env.SANDBOX_PORT || '4010'}`;
const board = `${config.url}/admin/queues`;

async function api(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${config.url}${path}`, {
    ...init,
    headers: {
      authorization: `Bearer ${config.apiKey}`,
      'content-type': 'application/json',
      ...init.headers,
    },
  });
}

async function send(order: DemoOrder): Promise<Sent> {
  const res = await api('/v1/orders', { method: 'POST', body: JSON.stringify(order.body) });
  const answer = (await res.json()) as {
    id?: string;
    queue?: string;
    issues?: unknown;
    error?: string;
  };
  if (res.status !== 202 && res.status !== 200) {
    return {
      order,
      rejected: `HTTP ${res.status} ${JSON.stringify(answer.issues ?? answer.error)}`,
    };
  }
  return { order, id: answer.id, queue: answer.queue };
}

async function refresh(sent: Sent): Promise<void> {
  if (!sent.id || (sent.status && SETTLED.has(sent.status.state))) return;
  const res = await api(`/v1/orders/${encodeURIComponent(sent.id)}`);
  if (res.ok) sent.status = (await res.json()) as Sent['status'];
}

function detail(sent: Sent): string {
  const status = sent.status;
  if (sent.rejected) return sent.rejected;
  if (!status) return '';
  if (status.state === 'completed') return status.result?.msg_code ?? '';
  if (status.state === 'dead_lettered') {
    const reason = /dead-lettered \((\w+)\)/.exec(status.error ?? '')?.[1];
    return [reason, status.dead_letter_id].filter(Boolean).join(' ');
  }
  if (status.state === 'delayed') return 'waiting for its next retry';
  return status.error ?? '';
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  const line = (r: string[]) =>
    r
      .map((cell, c) => cell.padEnd(widths[c] ?? 0))
      .join('  ')
      .trimEnd();
  return [
    line(rows[0] ?? []),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.slice(1).map(line),
  ].join('\n');
}

async function main(): Promise<number> {
  const alive = await fetch(`${config.url}/healthz`).then(
    (r) => r.ok,
    () => false,
  );
  if (!alive) {
    console.error(
      `demo: nothing answers at ${config.url}; start the service with \`npm start\` (or set VCARE_ORDERS_URL)`,
    );
    return 1;
  }
  if (config.defaulted.size > 0) {
    console.error(
      `demo: using development credentials (${[...config.defaulted].join(', ')} unset)`,
    );
  }
  const sent = await Promise.all(demoOrders().map(send));
  console.log(
    `Sent ${sent.length} orders to ${config.url}; waiting up to ${WAIT_MS / 1000} s for them to settle…`,
  );

  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    await Promise.all(sent.map(refresh));
    const pending = sent.filter((s) => s.id && !SETTLED.has(s.status?.state ?? ''));
    if (pending.length === 0 || Date.now() > deadline) break;
    await delay(500);
  }

  console.log(
    `\n${table([
      ['order', 'action', 'enrollment_id', 'state', 'attempts', 'detail', 'expected'],
      ...sent.map((s) => [
        s.order.label,
        String(s.order.body.action),
        String(s.order.body.enrollment_id),
        s.rejected ? 'rejected' : (s.status?.state ?? 'unknown'),
        String(s.status?.attempts ?? ''),
        detail(s),
        s.order.expect,
      ]),
    ])}\n`,
  );

  const job = (s: Sent | undefined) =>
    s?.id ? `${board}/queue/${s.queue}/${encodeURIComponent(s.id)}` : undefined;
  const find = (prefix: string) =>
    sent.find((s) => String(s.order.body.enrollment_id).startsWith(prefix));
  const deadLetter = find('PERM')?.status?.dead_letter_id;
  const lines = [
    `Bull Board            ${board}  (admin credentials; admin/admin in development)`,
    `  a completed order   ${job(sent[0])}`,
    `  the retried one     ${job(find('FLAKY'))}  (Logs tab: one line per failed attempt)`,
    `  a dead letter       ${deadLetter ? `${board}/queue/dead-letter/${deadLetter}` : `${board}/queue/dead-letter`}  (link back to the original job)`,
    `  all dead letters    ${board}/queue/dead-letter?status=failed`,
    `Ops API               curl -u admin:admin ${config.url}/v1/dead-letters`,
    `Sandbox ledger        ${sandboxUrl}/__sandbox/ledger  (every call vCare received)`,
    `Metrics               ${config.url}/metrics`,
  ];
  console.log(`What to look at:\n${lines.join('\n')}`);
  const unsettled = sent.filter((s) => s.id && !SETTLED.has(s.status?.state ?? ''));
  if (unsettled.length > 0) {
    console.log(
      `\n${unsettled.length} order(s) still retrying: the backoff starts at BACKOFF_DELAY_MS (30 s by default; \`BACKOFF_DELAY_MS=2000 npm start\` for a quick demo).`,
    );
  }
  return sent.some((s) => s.rejected) ? 1 : 0;
}

process.exitCode = await main();
