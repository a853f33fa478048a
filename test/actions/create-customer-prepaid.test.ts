import { describe, expect, it } from 'vitest';
import { createCustomerPrepaid } from '../../src/actions/create-customer-prepaid.ts';
import {
  expectAccepted,
  expectIssue,
  expectNoIssueAt,
  expectOnlyIssue,
  issuesOf,
  valid,
} from './orders.ts';

const order = (changes: Record<string, unknown> = {}) => valid('create_customer_prepaid', changes);

const letters = 'may contain only letters, spaces, apostrophes, grave accents (`) and hyphens';
const addressChars = 'may contain only letters, digits, spaces and / # -';

describe('create_customer_prepaid formats', () => {
  it.each([
    ['enrollment_id', 'WSN-977', 'must contain only letters and digits'],
    ['first_name', 'J0hn', letters],
    ['first_name', "'-", 'must contain a letter'],
    ['middle_initial', 'D.', letters],
    ['last_name', 'D', 'must contain at least 2 letters'],
    ['last_name', 'Doe3', letters],
    ['alternate_phone_number', '112311321', 'must be exactly 10 digits'],
    ['email', 'test_customer@', 'must be a valid email address'],
    ['service_address_one', '123 Main St.', addressChars],
    ['service_address_two', 'apt 7, rear', addressChars],
    ['service_city', 'Camden 2', 'may contain only letters, spaces and hyphens'],
    ['service_state', 'NJX', 'must be a two-letter US state code'],
    ['service_state', 'XX', 'must be a two-letter US state code'],
    ['service_zip', '0810', 'must be exactly 5 digits'],
    ['service_zip', '08104-1032', 'must be exactly 5 digits'],
    ['service_zip', 'ABCDE', 'must be exactly 5 digits'],
    ['service_zip4', '103', 'must be exactly 4 digits'],
    ['plan_id', '60a', 'must contain only digits'],
    ['model_id', 'AN12', 'must contain only digits'],
    ['device_id', '10534-5', 'must contain only digits'],
    ['billing_address_one', 'PO Box 12', 'must not be a PO Box'],
    ['billing_address_two', 'P.O. Box 7', 'must not be a PO Box'],
    ['billing_city', 'Tampa!', 'may contain only letters, spaces and hyphens'],
    ['billing_state', 'Florida', 'must be a two-letter US state code'],
    ['billing_zip', '6040', 'must be exactly 5 digits'],
    ['billing_zip4', '10322', 'must be exactly 4 digits'],
    ['total_tax', '1.815', 'must be an amount such as 12 or 1.81'],
    ['processing_fee', '-1', 'must be an amount such as 12 or 1.81'],
    ['dob', '12/01/1985', 'must be a real date written YYYY-MM-DD'],
    ['dob', '1985-02-30', 'must be a real date written YYYY-MM-DD'],
    ['ssn', '123456789', 'must be exactly 4 digits'],
    ['port_zip_code', '0810', 'must be exactly 5 digits'],
    ['port_state', 'N', 'must be a two-letter US state code'],
    ['port_ssn', '12', 'must be exactly 4 digits'],
    ['port_number', '123456789', 'must be exactly 10 digits'],
    ['first_name', 42, 'must be a name'],
  ])('reports %s = %j: "%s"', (field, value, predicate) => {
    expectOnlyIssue(order({ [field]: value }), field, predicate);
  });

  it.each([
    ['activation_type', 'ACTIVATE', 'must be one of NEWACTIVATION, PORTIN'],
    ['enrollment_type', 'PICKUP', 'must be one of HANDOVER, SHIPMENT'],
    ['handover_type', 'abc', 'must be one of cbe'],
    ['is_esim', 'yes', 'must be one of Y, N'],
    ['brand_code', 'XYZ', 'must be one of ASW, BST, SPP, VMU, SPR, PLD'],
    ['sku_type', 'USED', 'must be one of INTL, BYO, NEW'],
  ])('reports %s outside its enumeration', (field, value, predicate) => {
    expectOnlyIssue(order({ [field]: value }), field, predicate);
  });

  it('accepts enumerations in any case and sends the vendor spelling', () => {
    const parsed = expectAccepted(
      order({ activation_type: 'newactivation', enrollment_type: 'Shipment', is_esim: 'y' }),
    );
    expect(parsed).toMatchObject({
      activation_type: 'NEWACTIVATION',
      enrollment_type: 'SHIPMENT',
      is_esim: 'Y',
    });
  });

  it('accepts names with apostrophes, grave accents, hyphens and spaces', () => {
    expectAccepted(
      order({ first_name: "D'Arcy", middle_initial: 'A', last_name: 'Smith-O`Neil Jr' }),
    );
    expectAccepted(order({ last_name: 'O’Brien' }));
  });

  it('accepts numbers for numeric fields and turns them into strings', () => {
    const parsed = expectAccepted(order({ plan_id: 606, model_id: 23, service_zip: 60409 }));
    expect(parsed).toMatchObject({ plan_id: '606', model_id: '23', service_zip: '60409' });
    expectOnlyIssue(order({ plan_id: -5 }), 'plan_id', 'must be digits');
    expectOnlyIssue(order({ plan_id: 2 ** 60 }), 'plan_id', 'must be digits');
  });

  it('normalises state codes to upper case', () => {
    expect(expectAccepted(order({ service_state: 'nj' })).service_state).toBe('NJ');
  });

  it('treats "" and null in optional fields as absent, as the vendor sample does', () => {
    expectAccepted(
      order({ middle_initial: '', port_zip_code: null, billing_zip: '', is_esim: '' }),
    );
  });

  it('reports security_questions_answers entries by index', () => {
    expectOnlyIssue(
      order({ security_questions_answers: ['Rex', ''] }),
      'security_questions_answers.1',
      'must be a non-empty text or an object with the question and answer',
    );
    expectOnlyIssue(
      order({ security_questions_answers: 'Rex' }),
      'security_questions_answers',
      'must be a list (JSON array)',
    );
    expectAccepted(order({ security_questions_answers: [{ question: 'Pet?', answer: 'Rex' }] }));
  });
});

describe('create_customer_prepaid conditional rules', () => {
  const portFields = ['port_first_name', 'port_last_name', 'port_address_one', 'port_number'];
  const port = {
    port_first_name: 'John',
    port_last_name: 'Doe',
    port_address_one: 'ABC main street',
    port_number: '1234567895',
  };

  it('requires the port fields when activation_type is PORTIN', () => {
    expect(issuesOf(order({ activation_type: 'PORTIN' }))).toEqual(
      portFields.map((path) => ({
        path,
        message: `${path} is required when activation_type is PORTIN`,
      })),
    );
    expectAccepted(order({ activation_type: 'portin', ...port }));
  });

  it('does not require port fields for NEWACTIVATION', () => {
    expectAccepted(order({ activation_type: 'NEWACTIVATION', port_first_name: '' }));
  });

  it('requires handover_type cbe when enrollment_type is HANDOVER, and not otherwise', () => {
    expectOnlyIssue(
      order({ enrollment_type: 'HANDOVER' }),
      'handover_type',
      'is required when enrollment_type is HANDOVER',
    );
    expectOnlyIssue(
      order({ enrollment_type: 'HANDOVER', handover_type: 'other' }),
      'handover_type',
      'must be one of cbe',
    );
    expect(
      expectAccepted(order({ enrollment_type: 'HANDOVER', handover_type: 'CBE' })),
    ).toMatchObject({ handover_type: 'cbe' });
    expectAccepted(order({ enrollment_type: 'SHIPMENT', handover_type: '' }));
  });

  it('requires uiccid when phone_type is 4G, and not otherwise', () => {
    expectOnlyIssue(order({ phone_type: '4G' }), 'uiccid', 'is required when phone_type is 4G');
    expectOnlyIssue(order({ phone_type: '4g' }), 'uiccid', 'is required when phone_type is 4G');
    expectAccepted(order({ phone_type: '4G', uiccid: '8901260123456789012' }));
    expectAccepted(order({ phone_type: '3G' }));
  });

  it('reports conditional rules alongside format issues in one answer', () => {
    const issues = issuesOf(order({ activation_type: 'PORTIN', service_zip: '1' }));
    expect(issues.map((i) => i.path)).toEqual(['service_zip', ...portFields]);
  });

  it('checks port field formats when they are sent', () => {
    expectIssue(
      order({ activation_type: 'PORTIN', ...port, port_number: '12' }),
      'port_number',
      'must be exactly 10 digits',
    );
    expectNoIssueAt(order({ activation_type: 'PORTIN', ...port }), 'port_number');
  });
});

describe('create_customer_prepaid definition', () => {
  it('is side-effecting: a repeat may create a second customer', () => {
    expect(createCustomerPrepaid.idempotency(expectAccepted(order()))).toBe('side-effecting');
  });

  it('maps the order to the vCare body unchanged', () => {
    const parsed = expectAccepted(order({ lines_note: 'x' }));
    expect(createCustomerPrepaid.toVcareBody(parsed)).toEqual(parsed);
  });

  it('lists the table Required fields, without handover_type', () => {
    expect(createCustomerPrepaid.requiredFields).not.toContain('handover_type');
    expect(createCustomerPrepaid.requiredFields).toHaveLength(14);
  });
});
