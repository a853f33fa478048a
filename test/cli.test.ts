import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePatch } from '../src/cli/replay-patch.ts';
import { ADMIN, API_KEY, type Harness, startHarness } from './support/harness.ts';
import { deadLettered, ops, orderReaches, submit } from './support/ops.ts';
import { enrollmentId, prepaidOrder } from './support/orders.ts';

const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI as a user would: its own Node process, configured by environment only. */
function cli(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const envFor = (harness: Harness) => ({
  VCARE_ORDERS_URL: harness.url,
  VCARE_ORDERS_API_KEY: API_KEY,
  VCARE_ORDERS_ADMIN: `${ADMIN.user}:${ADMIN.password}`,
});

// Two services: the 5,000-order file goes to one without workers, so it neither floods the
// sandbox nor queues ahead of the orders the other tests wait on.
let h: Harness;
let bulk: Harness;
let dir: string;
beforeAll(async () => {
  [h, bulk, dir] = await Promise.all([
    startHarness(),
    startHarness({ workers: false }),
    mkdtemp(join(tmpdir(), 'vcare-cli-')),
  ]);
});
afterAll(async () => {
  await Promise.all([h?.close(), bulk?.close(), dir && rm(dir, { recursive: true, force: true })]);
});

describe('vcare-orders enqueue', () => {
  it('queues a 5,000-line NDJSON file and reports exactly its invalid lines, exiting 1', async () => {
    const bad = new Map<number, string>([
      [7, JSON.stringify(prepaidOrder(enrollmentId(), { service_zip: '0810' }))],
      [1234, '{"action":"create_customer_prepaid","enrollment_id":'],
      [2500, JSON.stringify({ ...prepaidOrder(), action: 'create_unicorn' })],
      [4999, JSON.stringify(prepaidOrder(enrollmentId(), { first_name: '' }))],
    ]);
    const lines = Array.from(
      { length: 5000 },
      (_, i) => bad.get(i + 1) ?? JSON.stringify(prepaidOrder()),
    );
    const file = join(dir, 'orders.ndjson');
    await writeFile(file, `${lines.join('\n')}\n`);

    const run = await cli(['enqueue', file, '--json'], envFor(bulk));

    expect(run.code).toBe(1);
    expect(run.stderr).toBe('vcare-orders: 4 of 5000 orders rejected\n');
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ format: 'ndjson', total: 5000, accepted: 4996, rejected: 4 });
    expect([...new Set(report.rejects.map((r: { line: number }) => r.line))]).toEqual([
      7, 1234, 2500, 4999,
    ]);
    expect(report.rejects).toContainEqual(
      expect.objectContaining({ line: 7, path: 'service_zip' }),
    );
    expect(report.rejects).toContainEqual(
      expect.objectContaining({ line: 4999, path: 'first_name' }),
    );
    expect(report.orders).toHaveLength(4996);
    expect(report.orders.some((o: { line: number }) => bad.has(o.line))).toBe(false);

    let queued = 0;
    for (const queue of bulk.service.producer.queues.values()) {
      queued += Object.values(await queue.getJobCounts()).reduce((a, b) => a + b, 0);
    }
    expect(queued).toBe(4996);
  });

  it('prints a line, field and message table for rejects, then the summary', async () => {
    const file = join(dir, 'three.ndjson');
    const broken = prepaidOrder(enrollmentId(), { service_zip: 'abc' });
    await writeFile(
      file,
      [prepaidOrder(), broken, prepaidOrder()].map((o) => JSON.stringify(o)).join('\n'),
    );

    const run = await cli(['enqueue', file], envFor(h));

    expect(run.code).toBe(1);
    const out = run.stdout.split('\n');
    expect(out[0]).toMatch(/^LINE\s+FIELD\s+MESSAGE$/);
    expect(out[1]).toMatch(/^2\s+service_zip\s+service_zip /);
    expect(run.stdout).toContain('2 accepted, 1 rejected (3 orders in');
    expect(run.stderr).toBe('vcare-orders: 1 of 3 orders rejected\n');
  });

  it('exits 0 when every order of a JSON array file is accepted', async () => {
    const file = join(dir, 'orders.json');
    await writeFile(file, JSON.stringify([prepaidOrder(), prepaidOrder()], null, 2));

    const run = await cli(['enqueue', file, '--json'], envFor(h));

    expect(run).toMatchObject({ code: 0, stderr: '' });
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ format: 'array', accepted: 2, rejected: 0 });
    expect(report.orders.map((o: { item: number }) => o.item)).toEqual([1, 2]);
  });
});

describe('vcare-orders status', () => {
  it('shows a completed order, as text and as JSON', async () => {
    const id = await submit(h, prepaidOrder());
    await orderReaches(h, id, 'completed');

    const json = await cli(['status', id, '--json'], envFor(h));
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ id, state: 'completed', attempts: 1 });

    const text = await cli(['status', id], envFor(h));
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^state\s+completed$/m);
  });

  it('fails with one line for an unknown id', async () => {
    const run = await cli(['status', 'no-such-order'], envFor(h));
    expect(run).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'vcare-orders: no order with id no-such-order\n',
    });
  });
});

describe('vcare-orders dlq', () => {
  it('lists and shows a PERM order, and a replay with --set enrollment_id completes it', async () => {
    const secret = 'Zq7-secret-pw';
    const { id, entryId } = await deadLettered(
      h,
      prepaidOrder(enrollmentId('PERM'), { password: secret }),
    );

    const list = await cli(['dlq', 'list', '--reason', 'permanent_error', '--json'], envFor(h));
    expect(list.code).toBe(0);
    const page = JSON.parse(list.stdout) as { entries: { id: string; msg_code: string }[] };
    expect(page.entries).toContainEqual(
      expect.objectContaining({ id: entryId, msg_code: 'RESTAPI110' }),
    );
    const table = await cli(['dlq', 'list', '--since', '10m'], envFor(h));
    expect(table.stdout).toMatch(new RegExp(`^${entryId}\\s+create_customer_prepaid\\s`, 'm'));

    const show = await cli(['dlq', 'show', entryId], envFor(h));
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/^reason\s+permanent_error$/m);
    expect(show.stdout).toContain('"password": "[redacted]"');
    expect(show.stdout).not.toContain(secret);

    const fixed = enrollmentId();
    const replay = await cli(
      ['dlq', 'replay', entryId, '--set', `enrollment_id=${fixed}`, '--json'],
      envFor(h),
    );
    expect(replay.code).toBe(0);
    const replayed = JSON.parse(replay.stdout) as { replayed_as: string; fields: string[] };
    expect(replayed).toMatchObject({ replayed_as: `${id}-r1`, fields: ['enrollment_id'] });
    await orderReaches(h, replayed.replayed_as, 'completed');
    const calls = h.sandbox.ledger().calls.filter((c) => c.enrollment_id === fixed);
    expect(calls.map((c) => c.msg_code)).toEqual(['RESTAPI000']);

    const again = await cli(['dlq', 'replay', entryId], envFor(h));
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(
      `vcare-orders: ${entryId} was already replayed as ${replayed.replayed_as}; add --force to replay it again\n`,
    );
  });

  it('replays every matching entry with --all, after a --dry-run that queues nothing', async () => {
    const action = 'create_customer_prepaid';
    const entries = await Promise.all([
      deadLettered(h, prepaidOrder(enrollmentId('PERM'))),
      deadLettered(h, prepaidOrder(enrollmentId('PERM'))),
    ]);
    const ids = entries.map((e) => e.entryId);
    const filters = ['--reason', 'permanent_error', '--action', action, '--since', '5m'];

    const dry = await cli(['dlq', 'replay', '--all', ...filters, '--dry-run', '--json'], envFor(h));
    expect(dry.code).toBe(0);
    const plan = JSON.parse(dry.stdout) as { dry_run: boolean; would_replay: { id: string }[] };
    expect(plan.dry_run).toBe(true);
    expect(plan.would_replay.map((r) => r.id)).toEqual(expect.arrayContaining(ids));
    const untouched = await ops(h, `/v1/dead-letters/${ids[0]}`);
    expect(((await untouched.json()) as { replayed_as: unknown }).replayed_as).toBeNull();

    const real = await cli(['dlq', 'replay', '--all', ...filters, '--rate', '100'], envFor(h));
    expect(real.code).toBe(0);
    for (const entry of entries) {
      expect(real.stdout).toMatch(new RegExp(`^${entry.entryId}\\s+${entry.id}-r1\\s`, 'm'));
    }
    expect(real.stdout).toMatch(/\d+ replayed, 0 refused, of \d+ matching entries/);
  });

  it('discards an entry, which is then gone', async () => {
    const { entryId } = await deadLettered(h, prepaidOrder(enrollmentId('PERM')));

    const run = await cli(['dlq', 'discard', entryId], envFor(h));
    expect(run).toMatchObject({ code: 0, stdout: `discarded ${entryId}\n`, stderr: '' });
    expect((await ops(h, `/v1/dead-letters/${entryId}`)).status).toBe(404);

    const show = await cli(['dlq', 'show', entryId], envFor(h));
    expect(show).toMatchObject({
      code: 1,
      stderr: `vcare-orders: no dead-letter entry ${entryId}\n`,
    });
  });
});

describe('vcare-orders failures', () => {
  it('names the variable to check when the service answers 401', async () => {
    const key = await cli(['status', 'x'], { ...envFor(h), VCARE_ORDERS_API_KEY: 'wrong-key' });
    expect(key).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'vcare-orders: unauthorized: check VCARE_ORDERS_API_KEY\n',
    });

    const admin = await cli(['dlq', 'list'], { ...envFor(h), VCARE_ORDERS_ADMIN: 'ops:wrong' });
    expect(admin.code).toBe(1);
    expect(admin.stderr).toBe(
      'vcare-orders: unauthorized: check VCARE_ORDERS_ADMIN (user:password)\n',
    );
  });

  it('announces the development key when none is set', async () => {
    const run = await cli(['status', 'x'], { VCARE_ORDERS_URL: h.url });
    expect(run.code).toBe(1);
    expect(run.stderr.split('\n')).toEqual([
      'vcare-orders: VCARE_ORDERS_API_KEY is unset; using the development key dev-producer-key',
      'vcare-orders: unauthorized: check VCARE_ORDERS_API_KEY',
      '',
    ]);
  });

  it('says the service may not be running when nothing listens', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const url = `http://127.0.0.1:${port}`;

    const run = await cli(['status', 'x', '--url', url], envFor(h));
    expect(run).toMatchObject({
      code: 1,
      stderr: `vcare-orders: cannot reach ${url}: is the service running?\n`,
    });
  });

  it('exits 2 on usage errors', async () => {
    const run = await cli(['dlq', 'replay', 'dl-x', '--set-json', 'plan_id={oops'], envFor(h));
    expect(run).toMatchObject({
      code: 2,
      stderr: 'vcare-orders: --set-json plan_id: the value is not valid JSON\n',
    });
    expect((await cli(['dlq', 'replay'], envFor(h))).code).toBe(2);
    expect((await cli(['enqueue'], envFor(h))).code).toBe(2);
  });
});

describe('replay patches', () => {
  it('keeps --set values as strings and parses --set-json values', () => {
    expect(parsePatch(['plan_id=606', 'zip=08104', 'note=a=b'], ['qty=2', 'x={"y":[1]}'])).toEqual({
      plan_id: '606',
      zip: '08104',
      note: 'a=b',
      qty: 2,
      x: { y: [1] },
    });
    expect(parsePatch([], [])).toBeUndefined();
    expect(() => parsePatch(['a=1'], ['a=2'])).toThrow('a is set twice');
  });
});
