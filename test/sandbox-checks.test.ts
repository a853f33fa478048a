import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actions } from '../src/actions/registry.ts';
import {
  call,
  effectCount,
  enrollment,
  pathOf,
  type Started,
  startSandbox,
  validBody,
} from './sandbox-harness.ts';

let s: Started;

beforeAll(async () => {
  s = await startSandbox({ agents: { ewebsiteapi: undefined, guarded: 'guard-pass' } });
});
afterAll(() => s.sandbox.close());

/** "Please enter …" as the vendor pages spell it: `enrollment_id` → "Enrollment Id". */
function pleaseEnter(field: string): string {
  const words = field.split('_').map((word) => word.charAt(0).toUpperCase() + word.slice(1));
  return `Please enter ${words.join(' ')}`;
}

function statusChange(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...validBody('change_account_status', enrollment()), ...overrides };
}

describe('sandbox routing', () => {
  it('answers RESTAPI101 Module required. to POST /', async () => {
    const answer = await call(s.url, '/', statusChange());
    expect(answer.json).toMatchObject({ msg_code: 'RESTAPI101', msg: 'Module required.' });
  });

  it('answers RESTAPI105 Module does not exist. to an unknown module', async () => {
    const answer = await call(s.url, '/billing', statusChange());
    expect(answer.json).toMatchObject({ msg_code: 'RESTAPI105', msg: 'Module does not exist.' });
  });

  it('answers RESTAPI102 Action required. without an action', async () => {
    const answer = await call(s.url, '/customer', statusChange({ action: undefined }));
    expect(answer.json).toMatchObject({ msg_code: 'RESTAPI102', msg: 'Action required.' });
  });

  it('answers RESTAPI106 Action does not exist. to an unknown action', async () => {
    const answer = await call(s.url, '/customer', statusChange({ action: 'delete_everything' }));
    expect(answer.json).toMatchObject({ msg_code: 'RESTAPI106', msg: 'Action does not exist.' });
  });

  it.each(actions.map((action) => action.name))(
    'answers RESTAPI106 to %s posted to another module',
    async (name) => {
      const wrong = ['/customer', '/handover', '/equipment'].find((path) => path !== pathOf(name));
      const answer = await call(s.url, wrong ?? '/customer', validBody(name, enrollment()));
      expect(answer.json?.msg_code).toBe('RESTAPI106');
    },
  );

  it('routes by the registry: every action succeeds on its own module, trailing slash or not', async () => {
    for (const { name } of actions) {
      const answer = await call(s.url, `${pathOf(name)}/`, validBody(name, enrollment()));
      expect(answer.json?.msg_code, name).toBe('RESTAPI000');
    }
  });

  it('answers RESTAPI110 with an error to a body that is not JSON, and keeps serving', async () => {
    const answer = await call(s.url, '/customer', undefined, { raw: '{"action": "change_acc' });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ msg_code: 'RESTAPI110', msg: 'Error occurred' });
    expect(answer.json?.errors).toHaveLength(1);
    const array = await call(s.url, '/customer', undefined, { raw: '[1,2]' });
    expect(array.json?.msg_code).toBe('RESTAPI110');
    const next = await call(s.url, '/customer', statusChange());
    expect(next.json?.msg_code).toBe('RESTAPI000');
  });
});

describe('sandbox source and agent checks', () => {
  it('answers RESTAPI103 Source Not Allowed with an errors array', async () => {
    const answer = await call(s.url, '/customer', statusChange({ source: 'FAX' }));
    expect(answer.json).toMatchObject({
      msg_code: 'RESTAPI103',
      msg: 'Source Not Allowed',
      errors: ['Source Not Allowed'],
    });
  });

  it('accepts every default source, ENROLLMENT_PORTAL included', async () => {
    for (const source of ['API', 'WEBSITE', 'TABLET', 'ENROLLMENT_PORTAL']) {
      const answer = await call(s.url, '/customer', statusChange({ source }));
      expect(answer.json?.msg_code, source).toBe('RESTAPI000');
    }
  });

  it('answers RESTAPI104 Agent Id should not be blank', async () => {
    const answer = await call(s.url, '/customer', statusChange({ agent_id: '' }));
    expect(answer.json).toMatchObject({
      msg_code: 'RESTAPI104',
      msg: 'Agent Id should not be blank',
      errors: ['Agent Id should not be blank'],
    });
  });

  it('answers RESTAPI104 Invalid Agent Id to an unknown agent or a wrong password', async () => {
    const unknown = await call(s.url, '/customer', statusChange({ agent_id: 'mallory' }));
    expect(unknown.json).toMatchObject({ msg_code: 'RESTAPI104', msg: 'Invalid Agent Id' });
    const noPassword = await call(s.url, '/customer', statusChange({ agent_id: 'guarded' }));
    expect(noPassword.json?.msg).toBe('Invalid Agent Id');
    const wrong = statusChange({ agent_id: 'guarded', agent_password: 'nope' });
    expect((await call(s.url, '/customer', wrong)).json?.msg).toBe('Invalid Agent Id');
  });

  it('accepts an agent with its password, and one that needs none without', async () => {
    const guarded = statusChange({ agent_id: 'guarded', agent_password: 'guard-pass' });
    expect((await call(s.url, '/customer', guarded)).json?.msg_code).toBe('RESTAPI000');
    const open = statusChange({ agent_id: 'ewebsiteapi', agent_password: undefined });
    expect((await call(s.url, '/customer', open)).json?.msg_code).toBe('RESTAPI000');
  });
});

describe.each(actions.map((action) => [action.name, action] as const))(
  'sandbox required fields of %s',
  (name, action) => {
    it.each([...action.requiredFields])('answers RESTAPI110 "%s" missing', async (field) => {
      const body = validBody(name, enrollment());
      delete body[field];
      if (field === 'enrollment_id') delete body.enroll_id;
      const answer = await call(s.url, pathOf(name), body);
      expect(answer.json).toMatchObject({ msg_code: 'RESTAPI110', msg: 'Error occurred' });
      expect(answer.json?.errors).toEqual([pleaseEnter(field)]);
    });

    it('counts null and empty strings as missing and lists every missing field', async () => {
      const id = enrollment();
      const body = validBody(name, id);
      const fields = action.requiredFields;
      fields.forEach((field, i) => {
        body[field] = i % 2 === 0 ? null : '';
      });
      delete body.enroll_id;
      const answer = await call(s.url, pathOf(name), body);
      expect(answer.json?.errors).toEqual(fields.map(pleaseEnter));
      expect(effectCount(s.sandbox, name, id)).toBe(0);
    });
  },
);

describe('sandbox enrollment id spelling', () => {
  it('says "Please enter Enrollment Id" as the vendor pages do', () => {
    expect(pleaseEnter('enrollment_id')).toBe('Please enter Enrollment Id');
  });

  it('accepts enroll_id for enrollment_id, as the homephone sample sends it', async () => {
    const body = validBody('create_homephone_customer', enrollment());
    delete body.enrollment_id;
    const answer = await call(s.url, '/customer', body);
    expect(answer.json?.msg_code).toBe('RESTAPI000');
    expect(answer.json?.data?.enrollment_id).toBe(body.enroll_id);
  });
});
