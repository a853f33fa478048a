import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../src/queue/audit-log.ts';
import { ADMIN, eventually, type Harness, startHarness } from './support/harness.ts';
import { ADMIN_AUTH, deadLettered, entryView, ops, orderReaches } from './support/ops.ts';
import { enrollmentId, prepaidOrder } from './support/orders.ts';

// One attempt: a FLAKY1 order is dead-lettered attempts_exhausted after one 503, and the
// sandbox answers its replay (the enrollment's second call) normally. Deterministic.
const ENV = { JOB_ATTEMPTS: '1' };
// Set UPDATE_SCREENSHOTS=1 to refresh the README's picture of the board.
const SCREENSHOT = process.env.UPDATE_SCREENSHOTS
  ? join(import.meta.dirname, '..', 'docs', 'bull-board.png')
  : undefined;

let h: Harness;
let browser: BrowserContext;
let profile: string;
beforeAll(async () => {
  h = await startHarness({ env: ENV });
  profile = mkdtempSync(join(tmpdir(), 'vcare-chromium-'));
  // Debian's Chromium, never a downloaded one. Playwright takes the profile directory as the
  // persistent context's argument (it refuses --user-data-dir among the args).
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    httpCredentials: { username: ADMIN.user, password: ADMIN.password },
    viewport: { width: 1400, height: 760 },
  });
});
afterAll(async () => {
  await browser?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  await h?.close();
});

async function auditOf(entryId: string): Promise<AuditRecord[]> {
  const res = await ops(h, `/v1/dead-letters/audit?entry_id=${encodeURIComponent(entryId)}`);
  return ((await res.json()) as { records: AuditRecord[] }).records;
}

describe('replay from Bull Board', () => {
  it("replays a dead-lettered order with the entry's Retry button, and the order completes", async () => {
    const { id, entryId } = await deadLettered(h, prepaidOrder(enrollmentId('FLAKY1')));

    const page = await browser.newPage();
    await page.goto(`${h.url}/admin/queues/queue/dead-letter?status=failed`);
    const card = page
      .locator('[class*="card-"]')
      .filter({ has: page.locator(`a[href*="/dead-letter/${entryId}"]`) });
    await card.getByText('attempts_exhausted: vCare transient').waitFor();
    // The job's action buttons are icons; the first one's tooltip names it.
    const retry = card.locator('button:has(svg.lucide-refresh-cw)');
    await retry.hover();
    await page.getByText('Retry', { exact: true }).waitFor();
    if (SCREENSHOT) await page.screenshot({ path: SCREENSHOT });
    await retry.click();
    const confirm = page.getByRole('alertdialog').getByRole('button', { name: 'Confirm' });
    await confirm.click();

    const replay = await orderReaches(h, `${id}-r1`, 'completed');
    expect(replay.replay_of).toBe(entryId);
    const entry = await eventually(
      async () => {
        const view = await entryView(h, entryId);
        return view.state === 'completed' ? view : undefined;
      },
      { what: 'the entry to complete' },
    );
    expect(entry.replayed_as).toBe(`${id}-r1`);
    expect(await auditOf(entryId)).toMatchObject([
      { op: 'replay', actor: 'bull-board', replayed_as: `${id}-r1`, fields: [] },
    ]);
    const original = (await (await h.api(`/v1/orders/${id}`)).json()) as Record<string, unknown>;
    expect(original).toMatchObject({
      state: 'dead_lettered',
      replayed_as: `${id}-r1`,
      latest: { id: `${id}-r1`, state: 'completed' },
    });
    await page.close();
  });

  it('Retry all replays the parked entries and refuses one the API already replayed, with the reason', async () => {
    const replayed = await deadLettered(h, prepaidOrder(enrollmentId('FLAKY1')));
    const parked = await deadLettered(h, prepaidOrder(enrollmentId('FLAKY1')));
    const viaApi = await ops(h, `/v1/dead-letters/${replayed.entryId}/replay`, { json: {} });
    expect(viaApi.status).toBe(202);

    // What the failed tab's "Retry all" button sends.
    const res = await fetch(`${h.url}/admin/queues/api/queues/dead-letter/retry/failed`, {
      method: 'PUT',
      headers: { authorization: ADMIN_AUTH },
    });
    expect(res.ok).toBe(true);

    await orderReaches(h, `${parked.id}-r1`, 'completed');
    const refused = await eventually(
      async () => {
        const job = await h.service.deadLetters.getJob(replayed.entryId);
        return job && (await job.getState()) === 'failed' && job.attemptsMade >= 2
          ? job
          : undefined;
      },
      { what: 'the replayed entry to be refused' },
    );
    expect(refused.failedReason).toBe(
      `already replayed as ${replayed.id}-r1; use force from the API/CLI to replay again`,
    );
    expect(await h.service.producer.queues.get('enrollment')?.getJob(`${replayed.id}-r2`)).toBe(
      undefined,
    );
    expect((await auditOf(replayed.entryId)).map((r) => r.actor)).toEqual(['ops']);
  });
});
