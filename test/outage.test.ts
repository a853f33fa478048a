import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/log.ts';
import { valid, without } from './actions/orders.ts';
import { eventually, type Harness, startHarness } from './support/harness.ts';
import { enrollmentId, prepaidOrder } from './support/orders.ts';

// Time compressed: 4 attempts 100 to 200 ms apart would all be spent within about 1.4 s of
// 503s; the circuit counts over 2 s and probes every 300 ms. The outage lasts well past 1.4 s.
const ENV = {
  JOB_ATTEMPTS: '4',
  BACKOFF_DELAY_MS: '200',
  VCARE_CIRCUIT_WINDOW_MS: '2000',
  VCARE_CIRCUIT_MIN_CALLS: '20',
  VCARE_CIRCUIT_PROBE_INTERVAL_MS: '300',
};

const lines: Array<{ level: number; msg: string }> = [];
let h: Harness;
beforeAll(async () => {
  const logger = createLogger('info', {
    write: (line: string) => void lines.push(JSON.parse(line) as { level: number; msg: string }),
  });
  h = await startHarness({ env: ENV, logger });
});
afterAll(async () => {
  await h?.close();
});

function logged(start: string): Array<{ level: number; msg: string }> {
  return lines.filter((l) => l.msg.startsWith(start));
}

async function circuitMetric(): Promise<string | undefined> {
  return /^vcare_circuit_state (\d)$/m.exec(await h.service.metrics.render())?.[1];
}

/** A few dozen orders over three queues, one side-effecting action among them. */
function orders(): unknown[] {
  return Array.from({ length: 36 }, (_, i) => {
    const enrollment = enrollmentId();
    if (i % 3 === 0) return prepaidOrder(enrollment);
    const action = i % 3 === 1 ? 'change_account_status' : 'handover_activation';
    return without(valid(action, { enrollment_id: enrollment }), 'agent_id', 'source');
  });
}

describe('a vCare outage', () => {
  it('opens the circuit, spends no attempt while it is open, and every order completes once vCare is back', async () => {
    h.sandbox.setFaults({ error_rate: 1 });
    const results = await h.service.producer.enqueueBatch(orders());
    const placed = results.map((r) => {
      if (r.status !== 'accepted') throw new Error(`not accepted: ${JSON.stringify(r)}`);
      return { id: r.id, queue: r.queue };
    });

    await eventually(async () => (logged('vCare circuit opened').length > 0 ? true : undefined), {
      what: 'the circuit to open',
    });
    const openedAt = Date.now();
    expect(await circuitMetric()).toMatch(/^[12]$/);
    // Still down long after every attempt would have been spent: the probes keep failing.
    const sandbox = h.sandbox;
    await eventually(
      async () =>
        sandbox.ledger().calls.some((c) => Date.parse(c.at) >= openedAt + 2000) ? true : undefined,
      { what: 'a probe 2 s into the outage' },
    );
    expect(await circuitMetric()).toMatch(/^[12]$/);
    h.sandbox.setFaults({ error_rate: 0 });

    const queues = h.service.producer.queues;
    const jobs = await eventually(
      async () => {
        const all = await Promise.all(placed.map((p) => queues.get(p.queue)?.getJob(p.id)));
        const states = await Promise.all(all.map((job) => job?.getState()));
        return states.every((s) => s === 'completed') ? (all as Job[]) : undefined;
      },
      { what: 'every order to complete', timeoutMs: 30_000, intervalMs: 100 },
    );

    expect(await h.service.deadLetters.count()).toBe(0);
    // Only failures before the circuit opened cost an attempt: at most one per order.
    expect(Math.max(...jobs.map((job) => job.attemptsMade))).toBeLessThanOrEqual(2);
    expect(logged('vCare circuit opened')).toEqual([expect.objectContaining({ level: 40 })]);
    expect(logged('vCare circuit closed')).toEqual([expect.objectContaining({ level: 30 })]);
    expect(await circuitMetric()).toBe('0');
  });
});
