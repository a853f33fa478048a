import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/log.ts';
import type { OrderStatus } from '../src/queue/order-status.ts';
import { valid } from './actions/orders.ts';
import { eventually, type Harness, startHarness } from './support/harness.ts';
import { enrollmentId } from './support/orders.ts';
import { dumpRedis, secretsIn } from './support/redis-dump.ts';

const CARD = '4111111111111111';
const CVV = '7391';

/**
 * A vCare that repeats what it was sent in its errors, as a careless backend may: a 500 the
 * first time (a retry: failure reason and job log), then a RESTAPI110 (a dead letter).
 */
function echoingVcare(): Server {
  let calls = 0;
  return createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => {
      raw += chunk;
    });
    req.on('end', () => {
      const body = JSON.parse(raw || '{}') as Record<string, string>;
      const token = `echo-token-${calls}`;
      res.setHeader('content-type', 'application/json');
      if (req.url === '/authenticate') {
        res.end(JSON.stringify({ msg_code: 'RESTAPI000', msg: 'Success', token }));
        return;
      }
      calls += 1;
      res.statusCode = calls === 1 ? 500 : 200;
      res.end(
        JSON.stringify({
          msg_code: 'RESTAPI110',
          msg: `Card ${body.card_number} declined`,
          errors: [`Invalid CVV ${body.cvv} for card ${body.card_number}`],
          token,
        }),
      );
    });
  });
}

const logLines: string[] = [];
let vcare: Server;
let h: Harness;
beforeAll(async () => {
  vcare = echoingVcare();
  await new Promise<void>((resolve) => vcare.listen(0, '127.0.0.1', resolve));
  const { port } = vcare.address() as AddressInfo;
  h = await startHarness({
    vcareBaseUrl: `http://127.0.0.1:${port}`,
    logger: createLogger('trace', { write: (line: string) => void logLines.push(line) }),
  });
});
afterAll(async () => {
  await h?.close();
  await new Promise((resolve) => vcare?.close(resolve));
});

describe('secrets vCare echoes back', () => {
  it('are masked in failure reasons, job logs, the dead letter and the log', async () => {
    const { agent_id: _a, ...order } = valid('equipment_purchase', {
      enrollment_id: enrollmentId(),
      card_number: CARD,
      cvv: CVV,
      expiration_year: '2039',
    });
    const res = await h.api('/v1/orders', { json: order });
    const { id } = (await res.json()) as { id: string };
    const status = await eventually(
      async () => {
        const s = (await (await h.api(`/v1/orders/${id}`)).json()) as OrderStatus;
        return s.state === 'dead_lettered' ? s : undefined;
      },
      { what: 'the order to be dead-lettered' },
    );
    const entry = await h.service.deadLetters.getJob(status.dead_letter_id as string);
    expect(entry?.data.error).toMatchObject({
      msg: 'Card •••• 1111 declined',
      errors: ['Invalid CVV [redacted] for card •••• 1111'],
    });
    expect(entry?.data.attempts).toHaveLength(2); // the 500, then the RESTAPI110
    expect(status.error).toContain('•••• 1111');

    const dump = await dumpRedis(h.redis, `${h.prefix}*`);
    for (const [key, content] of dump) expect(secretsIn(content, [CARD, CVV]), key).toEqual([]);
    expect(secretsIn(logLines.join(''), [CARD, CVV])).toEqual([]);
    expect(logLines.join('')).toContain('Invalid CVV [redacted]');
  });
});
