import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** One order the demo sends, with what a newcomer should expect to see happen. */
export interface DemoOrder {
  label: string;
  body: Record<string, unknown>;
  expect: string;
}

type Body = Record<string, unknown>;

function sample(action: string): Body {
  const url = new URL(`../test/fixtures/vendor-samples/${action}.json`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as Body;
}

/** A fresh enrollment id, so the sandbox's "one customer per enrollment" never refuses a rerun. */
function enrollment(prefix = 'DEMO'): string {
  return `${prefix}${randomBytes(4).toString('hex').toUpperCase()}`;
}

/**
 * A vendor sample as a producer would send it here: a fresh enrollment id, and no agent_id or
 * agent_password (the samples' `ewebsiteapi` agent is unknown to the local sandbox; intake
 * fills the configured agent). Other fix-ups: test/fixtures/vendor-samples/README.md.
 */
function fromSample(action: string, id: string): Body {
  // The homephone sample spells it enroll_id; intake reads either, the fresh id replaces both.
  const {
    agent_id: _agent,
    agent_password: _password,
    enroll_id: _alias,
    ...body
  } = sample(action);
  return { ...body, enrollment_id: id };
}

/** The published create_customer_prepaid sample is a multi-line add-line request: flatten it. */
function prepaidFromSample(id: string): Body {
  const published = sample('create_customer_prepaid');
  const [line] = published.lines as Body[];
  return {
    ...line,
    action: 'create_customer_prepaid',
    source: published.source,
    enrollment_id: id,
    dob: '1985-12-01',
    ssn: '1234',
  };
}

/** The five vendor samples, then orders the sandbox fails on purpose (by enrollment prefix). */
export function demoOrders(): DemoOrder[] {
  return [
    {
      label: 'vendor sample',
      body: prepaidFromSample(enrollment()),
      expect: 'completed',
    },
    {
      label: 'vendor sample',
      body: fromSample('create_homephone_customer', enrollment()),
      expect: 'completed',
    },
    {
      label: 'vendor sample',
      body: fromSample('handover_activation', enrollment()),
      expect: 'completed',
    },
    {
      label: 'vendor sample',
      body: fromSample('change_account_status', enrollment()),
      expect: 'completed',
    },
    {
      label: 'vendor sample',
      body: fromSample('equipment_purchase', enrollment()),
      expect: 'completed',
    },
    {
      label: 'PERM: vCare refuses it',
      body: prepaidFromSample(enrollment('PERM')),
      expect: 'dead_lettered (permanent_error) after one call',
    },
    {
      label: 'FLAKY2: two HTTP 503s',
      body: prepaidFromSample(enrollment('FLAKY2')),
      expect: 'delayed, retried with backoff, then completed',
    },
    {
      label: 'TOKEN: token expired once',
      body: prepaidFromSample(enrollment('TOKEN')),
      expect: 'completed in one attempt (new token at once)',
    },
    {
      label: 'LOST: purchase, no answer',
      body: fromSample('equipment_purchase', enrollment('LOST')),
      expect: 'dead_lettered (outcome_unknown): never charged twice',
    },
  ];
}
