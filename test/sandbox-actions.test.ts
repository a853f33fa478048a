import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  effectCount,
  enrollment,
  type Started,
  startSandbox,
  validBody,
} from './sandbox-harness.ts';

let s: Started;

beforeAll(async () => {
  s = await startSandbox();
});
afterAll(() => s.sandbox.close());

describe('sandbox success bodies', () => {
  it('create_customer_prepaid answers the customer of the enrollment, like the vendor sample', async () => {
    const id = enrollment();
    const answer = await call(s.url, '/customer', validBody('create_customer_prepaid', id));
    expect(answer.status).toBe(200);
    expect(answer.contentType).toMatch(/^application\/json/);
    expect(answer.json).toMatchObject({ msg_code: 'RESTAPI000', msg: 'Success' });
    expect(answer.json?.token).toBeTypeOf('string');
    const data = answer.json?.data ?? {};
    expect(data).toEqual({
      cust_id: data.customer_id,
      customer_id: expect.stringMatching(/^\d+$/),
      enrollment_id: id,
      enrollment_type: 'SHIPMENT',
      equipment_purchase: { msg: 'Equipment Successfully purchased!!', msg_code: 0 },
      invoice_number: null,
      mdn: null,
      msid: null,
      msl: '',
    });
  });

  it('create_homephone_customer answers cust_id, customer_id, pending_id and enrollment_id', async () => {
    const id = enrollment();
    const answer = await call(s.url, '/customer', validBody('create_homephone_customer', id));
    expect(answer.json?.msg_code).toBe('RESTAPI000');
    const data = answer.json?.data ?? {};
    expect(data).toMatchObject({ cust_id: data.customer_id, enrollment_id: id });
    expect(data.pending_id).toBe(Number(data.customer_id));
  });

  it('numbers customers one after another', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) {
      const answer = await call(
        s.url,
        '/customer',
        validBody('create_customer_prepaid', enrollment()),
      );
      ids.push(Number(answer.json?.data?.customer_id));
    }
    expect(ids[1]).toBe((ids[0] ?? 0) + 1);
    expect(ids[2]).toBe((ids[0] ?? 0) + 2);
  });

  it('handover_activation answers the enrollment customer and plan, like the vendor sample', async () => {
    const id = enrollment();
    const created = await call(s.url, '/customer', validBody('create_customer_prepaid', id));
    const answer = await call(s.url, '/handover', validBody('handover_activation', id));
    expect(answer.json).toMatchObject({
      msg_code: 'RESTAPI000',
      msg: 'Success',
      success: 'successfully proceed',
      data: {
        enrollment_id: id,
        customer_id: created.json?.data?.customer_id,
        customer_firstname: 'John',
        customer_lastname: 'Doe',
        plan_id: '5060',
        plan_price: '0.00',
        customer_state: 'IL',
      },
    });
  });

  it('handover_activation succeeds for an enrollment it never saw created, without customer', async () => {
    const answer = await call(s.url, '/handover', validBody('handover_activation', enrollment()));
    expect(answer.json?.msg_code).toBe('RESTAPI000');
    expect(answer.json?.data?.customer_id).toBeNull();
  });

  it('equipment_purchase answers "Equipment Successfully purchased!!"', async () => {
    const answer = await call(s.url, '/equipment', validBody('equipment_purchase', enrollment()));
    expect(answer.json).toMatchObject({
      msg_code: 'RESTAPI000',
      msg: 'Success',
      data: { msg: 'Equipment Successfully purchased!!', msg_code: 0 },
    });
  });

  it('change_account_status answers msg only, without data', async () => {
    const answer = await call(s.url, '/customer', validBody('change_account_status', enrollment()));
    expect(answer.json?.msg_code).toBe('RESTAPI000');
    expect(Object.keys(answer.json ?? {}).sort()).toEqual(['msg', 'msg_code', 'token']);
  });
});

describe('sandbox state', () => {
  it.each(['create_customer_prepaid', 'create_homephone_customer'])(
    'refuses a second customer for an enrollment (%s), with no new effect',
    async (second) => {
      const id = enrollment();
      const first = await call(s.url, '/customer', validBody('create_customer_prepaid', id));
      expect(first.json?.msg_code).toBe('RESTAPI000');
      const again = await call(s.url, '/customer', validBody(second, id));
      expect(again.json).toMatchObject({
        msg_code: 'RESTAPI110',
        msg: 'Error occurred',
        errors: [`Customer already exists for enrollment ${id}`],
      });
      expect(again.json?.token).toBeTypeOf('string');
      expect(effectCount(s.sandbox, 'create_customer_prepaid', id)).toBe(1);
      expect(effectCount(s.sandbox, 'create_homephone_customer', id)).toBe(0);
    },
  );

  it('counts every purchase, activation and status change as an effect', async () => {
    const id = enrollment();
    for (const [action, path] of [
      ['equipment_purchase', '/equipment'],
      ['equipment_purchase', '/equipment'],
      ['handover_activation', '/handover'],
      ['change_account_status', '/customer'],
    ] as const) {
      await call(s.url, path, validBody(action, id));
    }
    expect(effectCount(s.sandbox, 'equipment_purchase', id)).toBe(2);
    expect(effectCount(s.sandbox, 'handover_activation', id)).toBe(1);
    expect(effectCount(s.sandbox, 'change_account_status', id)).toBe(1);
  });

  it('forgets customers on reset, so the enrollment can be created again', async () => {
    const id = enrollment();
    await call(s.url, '/customer', validBody('create_customer_prepaid', id));
    s.sandbox.reset();
    const again = await call(s.url, '/customer', validBody('create_customer_prepaid', id));
    expect(again.json?.msg_code).toBe('RESTAPI000');
    expect(effectCount(s.sandbox, 'create_customer_prepaid', id)).toBe(1);
  });
});
